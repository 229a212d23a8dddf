import type * as Y from "yjs";
import { mayDraw, readSession } from "~/shared/board-session";

export const DRAWING_REFUSED =
  "the presenter lets only the people they choose draw now; ask them to let you draw";

/**
 * The presenter's "only people I allow may draw", held on the server: while any board whose
 * playlist holds a version presents with drawing granted, only the presenter and the people
 * granted may write that version's annotations.
 */
export function drawingProblem(boards: Iterable<{ doc: Y.Doc }>, userId: string): string | null {
  for (const board of boards)
    if (!mayDraw(readSession(board.doc, { presenterId: null }), userId)) return DRAWING_REFUSED;
  return null;
}
