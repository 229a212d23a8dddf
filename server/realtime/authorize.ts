import type { IncomingMessage } from "node:http";
import { and, eq, isNull, sql } from "drizzle-orm";
import { type Database, inScope } from "~/db/client";
import {
  boardItems,
  boards,
  frames,
  memberships,
  type Show,
  type ShowRole,
  shots,
  shows,
  users,
  versions,
} from "~/db/schema";
import { can } from "~/server/auth/permissions";
import { readSession, readSessionClaims, type SessionUser, sessionOf } from "~/server/auth/session";
import { liveMembership } from "~/server/services/shows/shows";
import type { FrameRange } from "~/shared/annotation-schema";
import { type DocRef, parseDocName } from "~/shared/doc-name";

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
      /** A version's frames: the shot's range and the version's own frames (annotations must fall in it). */
      frames: FrameRange | null;
      /** The boards whose playlist holds the version (their presenter may restrict drawing). */
      boardIds: string[];
    }
  | { ok: false; status: 400 | 401 | 403 | 404; message: string };

/** Who may write a document: a version's annotations need `annotate`, a board's session `present`. */
export function isReadOnly(doc: DocRef, show: Pick<Show, "state">, role: ShowRole): boolean {
  if (show.state !== "active") return true;
  return !can(role, doc.kind === "board" ? "present" : "annotate");
}

/**
 * Everything is checked before the websocket exists: Origin, session, document name, live
 * membership of the document's show, and that the document belongs to that show. Another
 * show's document answers exactly like one that does not exist. The database part is one
 * query in one scoped transaction: a reconnect storm of hundreds of clients costs hundreds of
 * queries, not thousands, and little garbage per connection.
 */
export async function authorizeUpgrade(
  db: Database,
  appOrigin: string,
  req: IncomingMessage,
): Promise<UpgradeVerdict> {
  if (req.headers.origin !== appOrigin) return { ok: false, status: 403, message: "Origin not allowed" };
  const signIn = { ok: false, status: 401, message: "Sign in first" } as const;
  const notFound = { ok: false, status: 404, message: "Document not found" } as const;
  const claims = await readSessionClaims(req.headers.cookie);
  if (!claims) return signIn;
  const path = new URL(req.url ?? "/", "http://x").pathname;
  let doc: DocRef | null = null;
  try {
    doc = parseDocName(decodeURIComponent(path.replace(/^\/yjs\//, "")));
  } catch {
    // malformed percent-encoding is a bad name, not a server failure
  }
  // A bad name is "not found" for a signed-in user, "sign in" for anyone else.
  if (!doc) return (await readSession(db, req.headers.cookie)) ? notFound : signIn;
  const ref = doc;
  const table = ref.kind === "board" ? boards : versions;
  const [row] = await inScope(db, { showId: ref.showId, userId: claims.userId }, (tx) =>
    tx
      .select({
        id: users.id,
        email: users.email,
        name: users.name,
        isStudioAdmin: users.isStudioAdmin,
        sessionVersion: users.sessionVersion,
        role: memberships.role,
        state: shows.state,
        docExists: sql<boolean>`exists (select 1 from ${table} where ${and(eq(table.showId, ref.showId), eq(table.id, ref.id))})`,
        ...(ref.kind === "version" ? versionFacts(ref) : {}),
      })
      .from(users)
      .leftJoin(
        memberships,
        and(eq(memberships.userId, users.id), eq(memberships.showId, ref.showId), liveMembership()),
      )
      .leftJoin(shows, eq(shows.id, memberships.showId))
      .where(and(eq(users.id, claims.userId), isNull(users.disabledAt)))
      .limit(1),
  );
  const session = sessionOf(claims, row);
  if (!session) return signIn;
  if (!row?.role || !row.state || !row.docExists) return notFound;
  return {
    ok: true,
    user: session.user,
    sessionVersion: session.version,
    doc: ref,
    role: row.role,
    readOnly: isReadOnly(ref, { state: row.state }, row.role),
    showState: row.state,
    frames: "frames" in row && row.frames ? (row.frames as FrameRange) : null,
    boardIds: "boardIds" in row && Array.isArray(row.boardIds) ? (row.boardIds as string[]) : [],
  };
}

/** A version document's frame range and boards, as columns of the upgrade's one query. */
function versionFacts(ref: DocRef) {
  const version = and(eq(versions.showId, ref.showId), eq(versions.id, ref.id));
  return {
    frames: sql<FrameRange | null>`(select json_build_object(
        'first', least(${shots.frameStart}, (select min(${frames.frameNumber}) from ${frames} where ${frames.versionId} = ${versions.id})),
        'last', greatest(${shots.frameEnd}, (select max(${frames.frameNumber}) from ${frames} where ${frames.versionId} = ${versions.id})))
      from ${versions} join ${shots} on ${shots.id} = ${versions.shotId} where ${version})`,
    boardIds: sql<
      string[] | null
    >`(select array_agg(${boardItems.boardId}::text) from ${boardItems} where ${and(eq(boardItems.showId, ref.showId), eq(boardItems.versionId, ref.id))})`,
  };
}
