import { and, eq, gt, inArray, isNull, or } from "drizzle-orm";
import { type Database, inScope } from "~/db/client";
import { memberships, shows, users } from "~/db/schema";
import { can } from "~/server/auth/permissions";
import { isReadOnly } from "~/server/realtime/authorize";
import { CLOSE, closeConn } from "~/server/realtime/close";
import type { Conn } from "~/server/realtime/conn";
import type { Room } from "~/server/realtime/room";
import type { Rooms } from "~/server/realtime/rooms";
import { encodeAccess, type LiveAccess } from "~/shared/live-protocol";

const SESSION_ENDED =
  "Your session has ended (signed out everywhere, or the account was disabled). Sign in again.";

/**
 * Open connections checked again after the upgrade: ended memberships and sessions are closed,
 * locks and role changes turn connections read-only or writable, and each connection is told
 * what it may do (MESSAGE_ACCESS) whenever that changes.
 */
export class AccessSweep {
  /** What each connection was last told it may do, to tell it again only on change. */
  private readonly told = new WeakMap<Conn, string>();
  /** The session version each connection was opened with. */
  private readonly sessionVersions = new WeakMap<Conn, number | undefined>();

  constructor(
    private readonly db: Database,
    private readonly rooms: Rooms,
  ) {}

  opened(conn: Conn, sessionVersion: number | undefined): void {
    this.sessionVersions.set(conn, sessionVersion);
  }

  tell(room: Room, conn: Conn, access: LiveAccess): void {
    const key = `${access.readOnly}:${access.showState}`;
    if (this.told.get(conn) === key) return;
    this.told.set(conn, key);
    room.send(conn, encodeAccess(access));
  }

  /** Re-checks one show's open connections: ended memberships are closed, locks turn them read-only. */
  async checkShow(showId: string): Promise<void> {
    const showRooms = this.rooms.ofShow(showId);
    if (showRooms.length === 0) return;
    const { state, members } = await inScope(this.db, { showId }, async (tx) => ({
      state: (await tx.select({ state: shows.state }).from(shows).where(eq(shows.id, showId)))[0]?.state,
      members: await tx
        .select({ userId: memberships.userId, role: memberships.role })
        .from(memberships)
        .where(
          and(
            eq(memberships.showId, showId),
            or(isNull(memberships.expiresAt), gt(memberships.expiresAt, new Date())),
          ),
        ),
    }));
    const roles = new Map(members.map((m) => [m.userId, m.role]));
    for (const room of showRooms) {
      for (const conn of room.conns) {
        const role = roles.get(conn.identity.id);
        if (!role || !state) {
          closeConn(conn, CLOSE.accessEnded, "Your access to this show has ended");
          continue;
        }
        const readOnly = isReadOnly(room.ref, { state }, role);
        if (!readOnly && conn.droppedWrites) {
          closeConn(
            conn,
            CLOSE.staleCopy,
            "Your copy missed changes while read-only; reload the live document",
          );
          continue;
        }
        conn.readOnly = readOnly;
        conn.mayEditOthers = can(role, "editOthersAnnotations");
        conn.identity.role = role;
        this.tell(room, conn, { readOnly: conn.readOnly, showState: state });
      }
    }
  }

  /** Closes every connection of a user whose sessions ended (in this process). */
  endSessions(userId: string): void {
    for (const room of this.rooms.map.values())
      for (const conn of room.conns)
        if (conn.identity.id === userId) closeConn(conn, CLOSE.sessionEnded, SESSION_ENDED);
  }

  /** Closes connections whose user was disabled or signed out everywhere (on any node). */
  async checkSessions(): Promise<void> {
    const conns = [...this.rooms.map.values()].flatMap((room) => [...room.conns]);
    const ids = [...new Set(conns.map((c) => c.identity.id))];
    if (ids.length === 0) return;
    const rows = await inScope(this.db, {}, (tx) =>
      tx
        .select({ id: users.id, version: users.sessionVersion })
        .from(users)
        .where(and(inArray(users.id, ids), isNull(users.disabledAt))),
    );
    const live = new Map(rows.map((r) => [r.id, r.version]));
    for (const conn of conns) {
      const version = this.sessionVersions.get(conn);
      const current = live.get(conn.identity.id);
      if (current === undefined || (version !== undefined && version !== current))
        closeConn(conn, CLOSE.sessionEnded, SESSION_ENDED);
    }
  }

  /** Re-checks every open connection (periodically, and what other nodes changed). */
  async sweep(): Promise<void> {
    await this.checkSessions();
    const showIds = new Set([...this.rooms.map.values()].map((room) => room.ref.showId));
    for (const showId of showIds) await this.checkShow(showId);
  }
}
