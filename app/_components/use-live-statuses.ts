"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useState } from "react";
import type * as Y from "yjs";
import { useTRPC } from "~/app/_components/trpc";
import { DECISIONS_KEY } from "~/shared/board-session";

/**
 * Version statuses that follow sign-off decisions while the board is open: the page's playlist
 * is rendered once, so a decision made here, or by a director in another browser, would leave
 * its badge stale until a reload. The deciding browser announces the version in the board
 * document; every browser then asks the server for that version's sign-off state — the
 * document carries only which version changed, never the status, so nobody can fake one.
 */
export function useLiveStatuses(showId: string, boardDoc: Y.Doc | null, versionIds: readonly string[]) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [statuses, setStatuses] = useState<Record<string, string>>({});

  /** What the sign-off panel last read for a version (also after the user's own decision). */
  const noteStatus = useCallback((versionId: string, status: string) => {
    setStatuses((s) => (s[versionId] === status ? s : { ...s, [versionId]: status }));
  }, []);

  /** Called after a decision succeeded here: everyone else on the board re-reads that version. */
  const announceDecision = useCallback(
    (versionId: string) => {
      boardDoc?.getMap(DECISIONS_KEY).set("last", { versionId, at: Date.now() });
    },
    [boardDoc],
  );

  useEffect(() => {
    if (!boardDoc) return;
    const decisions = boardDoc.getMap<{ versionId?: unknown }>(DECISIONS_KEY);
    const onChange = (event: Y.YMapEvent<{ versionId?: unknown }>) => {
      if (event.transaction.local) return;
      const versionId = decisions.get("last")?.versionId;
      if (typeof versionId !== "string" || !versionIds.includes(versionId)) return;
      // Refreshes the cached sign-off state too, so an open sign-off panel shows the decision.
      queryClient
        .fetchQuery({ ...trpc.version.signoff.queryOptions({ showId, versionId }), staleTime: 0 })
        .then((state) => noteStatus(versionId, state.status))
        .catch(() => {}); // offline or refused: the badge keeps what it showed
      void queryClient.invalidateQueries({
        queryKey: trpc.version.decisions.queryKey({ showId, versionId }),
      });
    };
    decisions.observe(onChange);
    return () => decisions.unobserve(onChange);
  }, [boardDoc, versionIds, showId, queryClient, trpc, noteStatus]);

  return { statuses, noteStatus, announceDecision };
}
