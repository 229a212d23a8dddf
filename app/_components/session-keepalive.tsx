"use client";

import { useEffect } from "react";

const ACTIVITY = ["pointerdown", "keydown", "wheel", "touchstart"] as const;

/**
 * Idle timeout: the session token expires SESSION_IDLE_MINUTES after its last renewal, and
 * this renews it (GET /api/auth/session re-issues the cookie) only while someone is actually
 * using the page — at most once per interval, well inside the idle window.
 */
export function SessionKeepAlive({ idleMinutes }: { idleMinutes: number }) {
  useEffect(() => {
    const every = Math.min(5 * 60_000, (idleMinutes * 60_000) / 3);
    let last = Date.now();
    const onActivity = () => {
      if (Date.now() - last < every) return;
      last = Date.now();
      void fetch("/api/auth/session", { credentials: "same-origin" }).catch(() => {});
    };
    for (const type of ACTIVITY) window.addEventListener(type, onActivity, { passive: true });
    return () => {
      for (const type of ACTIVITY) window.removeEventListener(type, onActivity);
    };
  }, [idleMinutes]);
  return null;
}
