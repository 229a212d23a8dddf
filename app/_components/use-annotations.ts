"use client";

import { useCallback, useEffect, useState } from "react";
import type * as Y from "yjs";
import { type Annotation, AnnotationIndex, annotationsOf, createUndoManager } from "~/shared/annotations";

/**
 * The version's annotations, indexed by frame. `revision` changes whenever they do, so
 * components re-read what they show; only the changed keys are re-indexed.
 */
export function useAnnotationIndex(doc: Y.Doc | null): { index: AnnotationIndex; revision: number } {
  const [state, setState] = useState(() => ({ index: new AnnotationIndex(), revision: 0 }));
  useEffect(() => {
    if (!doc) {
      setState((s) => ({ index: new AnnotationIndex(), revision: s.revision + 1 }));
      return;
    }
    const map = annotationsOf(doc);
    const index = AnnotationIndex.of(map);
    setState((s) => ({ index, revision: s.revision + 1 }));
    const onChange = (event: Y.YMapEvent<Annotation>) => {
      index.apply(map, event.keysChanged);
      setState((s) => ({ index, revision: s.revision + 1 }));
    };
    map.observe(onChange);
    return () => map.unobserve(onChange);
  }, [doc]);
  return state;
}

/** Undo/redo of this browser's own annotation edits only (Y.UndoManager on the local origin). */
export function useUndo(doc: Y.Doc | null) {
  const [manager, setManager] = useState<Y.UndoManager | null>(null);
  const [stacks, setStacks] = useState({ undo: 0, redo: 0 });
  useEffect(() => {
    if (!doc) return;
    const m = createUndoManager(doc);
    const refresh = () => setStacks({ undo: m.undoStack.length, redo: m.redoStack.length });
    m.on("stack-item-added", refresh);
    m.on("stack-item-popped", refresh);
    m.on("stack-cleared", refresh);
    setManager(m);
    refresh();
    return () => {
      m.destroy();
      setManager(null);
      setStacks({ undo: 0, redo: 0 });
    };
  }, [doc]);
  const undo = useCallback(() => manager?.undo(), [manager]);
  const redo = useCallback(() => manager?.redo(), [manager]);
  return { undo, redo, canUndo: stacks.undo > 0, canRedo: stacks.redo > 0 };
}
