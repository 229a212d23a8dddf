"use client";

import { useEffect, useState } from "react";
import type { Awareness } from "y-protocols/awareness";

/** What a participant is looking at; `mode` says whether they present, follow, or look around. */
export type Viewing = {
  versionId: string | null;
  frame: number | null;
  /** e.g. "SQ010_SH0010 v2" */
  label?: string;
  mode?: "presenting" | "following" | "own";
};
/** A laser pointer: where on which frame, in normalised coordinates. Presence only, never stored. */
export type LaserPoint = { versionId: string; frame: number; x: number; y: number };

/** The identity in `user` is stamped by the server; clients only say what they are looking at. */
export type Peer = {
  clientId: number;
  user: { id: string; name: string; color: string; role: string };
  viewing: Viewing | null;
  laser: LaserPoint | null;
};

export function usePresence(awareness: Awareness | null, viewing: Viewing) {
  const [peers, setPeers] = useState<Peer[]>([]);

  useEffect(() => {
    if (!awareness) return;
    const refresh = () => {
      const list: Peer[] = [];
      for (const [clientId, state] of awareness.getStates()) {
        const s = state as { user?: Peer["user"]; viewing?: Viewing; laser?: LaserPoint | null };
        if (s.user?.id)
          list.push({ clientId, user: s.user, viewing: s.viewing ?? null, laser: s.laser ?? null });
      }
      setPeers(list);
    };
    awareness.on("change", refresh);
    refresh();
    return () => awareness.off("change", refresh);
  }, [awareness]);

  const { versionId, frame, label, mode } = viewing;
  useEffect(() => {
    awareness?.setLocalStateField("viewing", { versionId, frame, label, mode });
  }, [awareness, versionId, frame, label, mode]);

  return peers;
}

const MODE_TEXT = { presenting: "presenting", following: "following", own: "looking around" } as const;

export function PresenceList({ peers, selfId }: { peers: Peer[]; selfId: string }) {
  const byUser = new Map<string, Peer>();
  for (const p of peers) byUser.set(p.user.id, p);
  return (
    <section aria-label="Who is here">
      <h3>Here now</h3>
      <ul className="presence" data-testid="presence">
        {[...byUser.values()].map((p) => (
          <li key={p.user.id} data-user={p.user.name}>
            <span className="dot" style={{ background: p.user.color }} />
            {p.user.name}
            {p.user.id === selfId ? " (you)" : ""}
            <span className="muted small"> · {p.user.role}</span>
            {p.viewing?.frame != null ? (
              <span className="muted small" data-testid="presence-viewing">
                {" "}
                · {p.viewing.label ? `${p.viewing.label} ` : ""}frame {p.viewing.frame}
                {p.viewing.mode ? ` · ${MODE_TEXT[p.viewing.mode]}` : ""}
              </span>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}
