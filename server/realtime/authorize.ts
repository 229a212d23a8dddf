import type { IncomingMessage } from "node:http";
import { and, eq } from "drizzle-orm";
import { type Database, inScope } from "~/db/client";
import { boards, type Show, type ShowRole, versions } from "~/db/schema";
import { can } from "~/server/auth/permissions";
import { readSession, type SessionUser } from "~/server/auth/session";
import { type DocRef, parseDocName } from "~/server/realtime/doc-name";
import { loadShowAccess } from "~/server/services/shows";

export type UpgradeVerdict =
  | {
      ok: true;
      user: SessionUser;
      /** The session version the connection was opened with; bumping it closes the connection. */
      sessionVersion: number | undefined;
      doc: DocRef;
      role: ShowRole;
      readOnly: boolean;
      showState: Show["state"];
    }
  | { ok: false; status: 400 | 401 | 403 | 404; message: string };

/** Who may write a document: a version's annotations need `annotate`, a board's session `present`. */
export function isReadOnly(doc: DocRef, show: Pick<Show, "state">, role: ShowRole): boolean {
  if (show.state !== "active") return true;
  return !can(role, doc.kind === "board" ? "present" : "annotate");
}

export async function docExists(db: Database, doc: DocRef, userId: string): Promise<boolean> {
  const table = doc.kind === "board" ? boards : versions;
  const rows = await inScope(db, { showId: doc.showId, userId }, (tx) =>
    tx
      .select({ id: table.id })
      .from(table)
      .where(and(eq(table.showId, doc.showId), eq(table.id, doc.id)))
      .limit(1),
  );
  return rows.length > 0;
}

/**
 * Everything is checked before the websocket exists: Origin, session, document name, live
 * membership of the document's show, and that the document belongs to that show. Another
 * show's document answers exactly like one that does not exist.
 */
export async function authorizeUpgrade(
  db: Database,
  appOrigin: string,
  req: IncomingMessage,
): Promise<UpgradeVerdict> {
  if (req.headers.origin !== appOrigin) return { ok: false, status: 403, message: "Origin not allowed" };
  const session = await readSession(db, req.headers.cookie);
  if (!session) return { ok: false, status: 401, message: "Sign in first" };
  const path = new URL(req.url ?? "/", "http://x").pathname;
  const notFound = { ok: false, status: 404, message: "Document not found" } as const;
  let name: string;
  try {
    name = decodeURIComponent(path.replace(/^\/yjs\//, ""));
  } catch {
    return notFound; // malformed percent-encoding is a bad name, not a server failure
  }
  const doc = parseDocName(name);
  if (!doc) return notFound;
  const access = await loadShowAccess(db, { showId: doc.showId, userId: session.user.id });
  if (!access) return notFound;
  if (!(await docExists(db, doc, session.user.id))) return notFound;
  return {
    ok: true,
    user: session.user,
    sessionVersion: session.version,
    doc,
    role: access.role,
    readOnly: isReadOnly(doc, access.show, access.role),
    showState: access.show.state,
  };
}
