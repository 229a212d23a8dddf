"use client";

import { useEffect, useState } from "react";
import type * as Y from "yjs";
import type { Peer } from "~/app/_components/presence";
import { type BoardSession, readSession, sessionMap, writeSession } from "~/shared/board-session";

/** The board's live session, re-read whenever it changes. */
export function useBoardSession(doc: Y.Doc | null, defaultPresenterId: string | null): BoardSession | null {
  const [session, setSession] = useState<BoardSession | null>(null);
  useEffect(() => {
    if (!doc) {
      setSession(null);
      return;
    }
    const map = sessionMap(doc);
    const refresh = () => setSession(readSession(doc, { presenterId: defaultPresenterId }));
    refresh();
    map.observe(refresh);
    return () => map.unobserve(refresh);
  }, [doc, defaultPresenterId]);
  return session;
}

export type FollowMode = "presenting" | "following" | "own";

/**
 * Presenter mode: start/stop presenting (people allowed to present), take over, follow /
 * break away / jump back, and who may draw while presenting.
 */
export function PresenterBar({
  session,
  doc,
  user,
  canPresent,
  mode,
  peers,
  onBreakAway,
  onJumpBack,
  onStart,
}: {
  session: BoardSession;
  doc: Y.Doc | null;
  user: { id: string; name: string };
  canPresent: boolean;
  mode: FollowMode;
  peers: Peer[];
  onBreakAway: () => void;
  onJumpBack: () => void;
  onStart: () => void;
}) {
  const presenterName =
    session.presenterName ??
    peers.find((p) => p.user.id === session.presenterId)?.user.name ??
    "the presenter";
  const others = [...new Map(peers.filter((p) => p.user.id !== user.id).map((p) => [p.user.id, p])).values()];

  if (!session.presenting) {
    return (
      <div className="presenter-bar" data-testid="presenter-status">
        <span className="muted small">Everyone looks around on their own.</span>
        {canPresent ? (
          <button type="button" onClick={onStart} className="primary">
            Present
          </button>
        ) : null}
      </div>
    );
  }

  if (mode === "presenting") {
    const setDrawing = (drawing: BoardSession["drawing"]) => doc && writeSession(doc, { drawing });
    const grant = (userId: string, on: boolean) => {
      if (!doc) return;
      const grants = { ...session.grants };
      if (on) grants[userId] = true;
      else delete grants[userId];
      writeSession(doc, { grants });
    };
    return (
      <div className="presenter-bar presenting" data-testid="presenter-status">
        <strong>You are presenting</strong>
        <span className="muted small">everyone follows your version, frame, playback and zoom</span>
        <label className="small">
          Drawing{" "}
          <select
            value={session.drawing}
            onChange={(e) => setDrawing(e.target.value as BoardSession["drawing"])}
            aria-label="Who may draw"
          >
            <option value="everyone">everyone</option>
            <option value="granted">only people I allow</option>
          </select>
        </label>
        {session.drawing === "granted" && others.length > 0 ? (
          <span className="grants">
            {others.map((p) => (
              <label key={p.user.id} className="small">
                <input
                  type="checkbox"
                  checked={session.grants[p.user.id] === true}
                  onChange={(e) => grant(p.user.id, e.target.checked)}
                  aria-label={`${p.user.name} may draw`}
                />{" "}
                {p.user.name}
              </label>
            ))}
          </span>
        ) : null}
        <button type="button" onClick={() => doc && writeSession(doc, { presenting: false, rate: 0 })}>
          Stop presenting
        </button>
      </div>
    );
  }

  return (
    <div className={`presenter-bar ${mode}`} data-testid="presenter-status">
      {mode === "following" ? (
        <>
          <strong>Following {presenterName}</strong>
          <button type="button" onClick={onBreakAway}>
            Break away
          </button>
        </>
      ) : (
        <>
          <strong>Looking around on your own</strong>
          <span className="muted small">{presenterName} is presenting</span>
          <button type="button" onClick={onJumpBack} className="primary">
            Jump back
          </button>
        </>
      )}
      {canPresent ? (
        <button type="button" onClick={onStart}>
          Take over
        </button>
      ) : null}
    </div>
  );
}
