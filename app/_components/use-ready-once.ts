"use client";

import { useEffect, useState } from "react";

/** True from the first time `ready` is, or after `maxWaitMs` at the latest; never false again. */
export function useReadyOnce(ready: boolean, maxWaitMs: number): boolean {
  const [done, setDone] = useState(ready);
  useEffect(() => {
    if (ready) setDone(true);
  }, [ready]);
  useEffect(() => {
    const timer = window.setTimeout(() => setDone(true), maxWaitMs);
    return () => window.clearTimeout(timer);
  }, [maxWaitMs]);
  return done || ready;
}
