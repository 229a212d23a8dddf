import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";

/**
 * What server.ts applies to every HTTP request before Next sees it: the client's address for
 * sign-in throttling, the cross-site check on state-changing requests, and the security
 * headers (with a per-request CSP nonce that Next puts on its own inline scripts).
 */

/** Set by server.ts from the socket (or X-Forwarded-For with TRUST_PROXY); a client's own value is replaced. */
export const CLIENT_ADDRESS_HEADER = "x-shotboard-client-address";

export function clientAddress(req: IncomingMessage, trustProxy: boolean): string | null {
  if (trustProxy) {
    const forwarded = req.headers["x-forwarded-for"];
    const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(",")[0]?.trim();
    if (first) return first;
  }
  return req.socket.remoteAddress ?? null;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * A state-changing request a browser sent from another site (CSRF). Browsers send Origin on
 * every POST and Sec-Fetch-Site on every request; tools without either (pipelines using a
 * token, curl) are not browsers carrying someone's cookie, so they pass.
 */
export function isCrossSiteWrite(req: IncomingMessage, appOrigin: string): boolean {
  if (SAFE_METHODS.has(req.method ?? "GET")) return false;
  const site = req.headers["sec-fetch-site"];
  if (site && site !== "same-origin" && site !== "none") return true;
  const origin = req.headers.origin;
  return origin !== undefined && origin !== appOrigin;
}

export function newNonce(): string {
  return randomBytes(16).toString("base64");
}

/** The Content-Security-Policy the app runs under (Playwright checks no violation is logged). */
export function contentSecurityPolicy(opts: { nonce: string; appOrigin: string; dev: boolean }): string {
  const ws = opts.appOrigin.replace(/^http/, "ws");
  const script = [`'self'`, `'nonce-${opts.nonce}'`, ...(opts.dev ? [`'unsafe-eval'`] : [])];
  return [
    `default-src 'self'`,
    `script-src ${script.join(" ")}`,
    // React sets style attributes (positions, colours): those cannot carry a nonce.
    `style-src 'self' 'unsafe-inline'`,
    `img-src 'self' blob: data:`,
    `media-src 'self' blob:`,
    `font-src 'self' data:`,
    `connect-src 'self' ${ws}${opts.dev ? " ws: wss:" : ""}`,
    `worker-src 'self' blob:`,
    `object-src 'none'`,
    `base-uri 'self'`,
    `form-action 'self'`,
    `frame-ancestors 'none'`,
  ].join("; ");
}

export function securityHeaders(opts: {
  nonce: string;
  appOrigin: string;
  dev: boolean;
}): Record<string, string> {
  return {
    "Content-Security-Policy": contentSecurityPolicy(opts),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    ...(opts.appOrigin.startsWith("https:")
      ? { "Strict-Transport-Security": "max-age=31536000; includeSubDomains" }
      : {}),
  };
}
