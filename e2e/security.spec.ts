import type { Page } from "@playwright/test";
import { expect, openBoard, signIn, test, userPage } from "./fixtures";

/** Every console message or page error that mentions the Content Security Policy. */
function cspViolations(page: Page): string[] {
  const seen: string[] = [];
  page.on("console", (m) => {
    if (/Content[- ]Security[- ]Policy/i.test(m.text())) seen.push(m.text());
  });
  page.on("pageerror", (e) => {
    if (/Content[- ]Security[- ]Policy/i.test(e.message)) seen.push(e.message);
  });
  return seen;
}

test.describe("security headers, cookies, CSRF, sign-in abuse", () => {
  test("every response carries the security headers; pages get a fresh CSP nonce", async ({
    request,
    app,
  }) => {
    const nonces = new Set<string>();
    for (const path of ["/signin", "/signin", "/api/trpc/session.me", "/no-such-page"]) {
      const res = await request.get(`${app.url}${path}`);
      const h = res.headers();
      expect(h["x-content-type-options"], path).toBe("nosniff");
      expect(h["referrer-policy"], path).toBe("strict-origin-when-cross-origin");
      const csp = h["content-security-policy"] ?? "";
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).toContain(`connect-src 'self' ${app.url.replace("http", "ws")}`);
      expect(csp, path).toContain("img-src 'self' blob: data:");
      expect(csp, path).not.toMatch(/script-src[^;]*unsafe-inline/);
      const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
      expect(nonce, path).toBeTruthy();
      nonces.add(nonce!);
      if (path === "/signin") expect(await res.text()).toContain(`nonce="${nonce}"`);
    }
    expect(nonces.size).toBe(4);
  });

  test("the board works under the CSP with no violation logged; the session cookie is HttpOnly and SameSite=Lax", async ({
    page,
    app,
  }) => {
    const violations = cspViolations(page);
    await signIn(page, app, "dana");
    await openBoard(page, app, "moonfall");
    await page.keyboard.press("ArrowRight");
    await expect(page.getByTestId("frame-number")).toHaveText("1002");
    const cookie = (await page.context().cookies()).find((c) => c.name.endsWith("next-auth.session-token"));
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.sameSite).toBe("Lax");
    expect(violations).toEqual([]);
  });

  test("state-changing requests from another site are refused; same-site ones pass", async ({
    page,
    app,
  }) => {
    await signIn(page, app, "nomad");
    const cookies = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
    const url = `${app.url}/api/trpc/session.signOutEverywhere`;
    const body = JSON.stringify({ json: null });
    const post = (headers: Record<string, string>) =>
      page.request.fetch(url, {
        method: "POST",
        headers: { cookie: cookies, "content-type": "application/json", ...headers },
        data: body,
      });
    const evil = await post({ origin: "https://evil.example" });
    expect(evil.status()).toBe(403);
    expect(await evil.text()).toMatch(/came from another site/);
    expect((await post({ origin: app.url, "sec-fetch-site": "cross-site" })).status()).toBe(403);
    // Refused writes changed nothing: the session still works.
    await page.goto(`${app.url}/`);
    await expect(page.getByRole("heading", { name: "Your shows" })).toBeVisible();
    expect((await post({ origin: app.url, "sec-fetch-site": "same-origin" })).status()).toBe(200);
  });

  test("repeated failures lock sign-in with a clear message saying until when", async ({ page, app }) => {
    await page.goto(`${app.url}/signin`);
    const alert = page.locator("form").getByRole("alert");
    for (let i = 1; i <= 5; i++) {
      await page.getByLabel("Email").fill("nobody-e2e-lockout@shotboard.test");
      await page.getByLabel("Password").fill(`guess-${i}`);
      await page.getByRole("button", { name: "Sign in" }).click();
      if (i < 5) await expect(alert).toHaveText(/wrong email or password/i);
      await expect(page.getByRole("button", { name: "Sign in" })).toBeEnabled();
    }
    await expect(alert).toHaveText(/Too many failed sign-in attempts.*until \d{1,2}:\d{2}.*about 15 minutes/);
  });

  test("sign out of all sessions ends the user's other browser at once", async ({ browser, app }) => {
    const first = await userPage(browser, app, "rex");
    const second = await userPage(browser, app, "rex");
    await second.goto(`${app.url}/signout`);
    await second.getByRole("button", { name: "Sign out of all sessions" }).click();
    await expect(second).toHaveURL(/\/signin/);
    await first.goto(`${app.url}/`);
    await expect(first).toHaveURL(/\/signin/);
    await first.context().close();
    await second.context().close();
  });
});
