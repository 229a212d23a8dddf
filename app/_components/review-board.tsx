"use client";

import { useQuery } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { AnnotationToolbar, COLORS, TOOL_KEYS } from "~/app/_components/annotation-toolbar";
import { CommentThreads } from "~/app/_components/comment-threads";
import { CompareControl, type CompareMode, CompareView } from "~/app/_components/compare-view";
import { DecisionPanel } from "~/app/_components/decision-panel";
import { FrameViewer, type Laser, type Pin, type Tool } from "~/app/_components/frame-viewer";
import { LockedBanner } from "~/app/_components/locked-banner";
import { NotesExport } from "~/app/_components/notes-export";
import { PresenceList, usePresence } from "~/app/_components/presence";
import { type FollowMode, PresenterBar, useBoardSession } from "~/app/_components/presenter-bar";
import { ProvenancePanel } from "~/app/_components/provenance-panel";
import { StatusBadge } from "~/app/_components/status-badge";
import { Transport } from "~/app/_components/transport";
import { useTRPC, useTRPCClient } from "~/app/_components/trpc";
import { useAnnotationIndex, useUndo } from "~/app/_components/use-annotations";
import { type LiveStatus, useLiveDoc } from "~/app/_components/use-live-doc";
import { useLiveStatuses } from "~/app/_components/use-live-statuses";
import { usePlaybackLoop, usePreload } from "~/app/_components/use-playback";
import { useReadyOnce } from "~/app/_components/use-ready-once";
import { playableFrames } from "~/app/_lib/clip-frames";
import { clampIndex, fullRange, normaliseRange, type Range, shuttle } from "~/app/_lib/playback";
import type { AppRouter } from "~/server/root";
import type { VersionDetail } from "~/server/services/shows/versions";
import { type Comment, isShape, type Point, showsOn, WIDTHS } from "~/shared/annotations";
import { mayDraw, NO_ZOOM, writeSession, type Zoom } from "~/shared/board-session";
import { type Mentionable, threadsOf } from "~/shared/comments";
import { docName } from "~/shared/doc-name";

type ShowInfo = inferRouterOutputs<AppRouter>["show"]["bySlug"];
type User = { id: string; name: string };

export function ReviewBoard({
  show,
  user,
  board,
  playlist,
  initialFrame,
  initialVersionId,
}: {
  show: ShowInfo;
  user: User;
  board: { id: string; title: string; presenterId?: string | null } | null;
  playlist: VersionDetail[];
  initialFrame?: number;
  /** Opens the board on this version of its playlist (e.g. a link from My notes). */
  initialVersionId?: string;
}) {
  const trpc = useTRPC();
  const trpcClient = useTRPCClient();
  const [index, setIndex] = useState(() =>
    Math.max(
      0,
      playlist.findIndex((v) => v.id === initialVersionId),
    ),
  );
  const version = playlist[index];
  const [frameIndex, setFrameIndex] = useState(() =>
    Math.max(0, version?.frames.findIndex((f) => f.frameNumber === initialFrame) ?? 0),
  );
  const [tool, setTool] = useState<Tool>("pen");
  const [color, setColor] = useState(COLORS[0]!);
  const [width, setWidth] = useState<number>(WIDTHS[1]);
  const [hold, setHold] = useState(1);
  const [ghosts, setGhosts] = useState(false);
  const [rate, setRate] = useState(0);
  const [loop, setLoop] = useState(true);
  const [inOut, setInOut] = useState<Range | null>(null);
  const [zoom, setZoom] = useState<Zoom>(NO_ZOOM);
  const [compare, setCompare] = useState<CompareMode>("off");
  const [compareWith, setCompareWith] = useState<string | null>(null);
  const [allFrames, setAllFrames] = useState(false);
  const [activeThread, setActiveThread] = useState<string | null>(null);
  const [brokeAway, setBrokeAway] = useState(false);

  const explainRefusal = useCallback(async () => {
    try {
      const me = await trpcClient.session.me.query();
      if (!me) return "Your session has ended. Sign in again to keep reviewing.";
      await trpcClient.show.bySlug.query({ slug: show.slug });
      return null;
    } catch (error) {
      if ((error as { data?: { code?: string } }).data?.code === "NOT_FOUND") {
        return "You no longer have access to this show, so live review stopped. Ask a producer if this is a mistake.";
      }
      return null;
    }
  }, [trpcClient, show.slug]);

  const versionLive = useLiveDoc(
    version ? docName("version", show.id, version.id) : null,
    explainRefusal,
    user.id,
  );
  const boardLive = useLiveDoc(board ? docName("board", show.id, board.id) : null, explainRefusal, user.id);
  const status: LiveStatus =
    versionLive.status.state === "ended"
      ? versionLive.status
      : boardLive.live
        ? boardLive.status
        : versionLive.status;
  // The side panels (sign-off, provenance, people to mention) load once the board is live, or
  // after 2 s without: their queries would otherwise queue ahead of the live connections' checks.
  const loadPanels = useReadyOnce(status.state !== "connecting", 2000);
  // The live connection says when the show is locked or unlocked; the page's props may be older.
  const showState = versionLive.access?.showState ?? boardLive.access?.showState ?? show.state;
  const liveShow = showState === show.state ? show : { ...show, state: showState };
  const readOnly = showState !== "active" || !show.permissions.includes("annotate");
  const presenceSource = board ? boardLive.live : versionLive.live;
  const awareness = presenceSource?.provider.awareness ?? null;
  const frames = version ? playableFrames(version) : [];
  const count = frames.length;
  const frame = frames[frameIndex];
  const frameNumber = frame?.frameNumber ?? null;
  const doc = versionLive.live?.doc ?? null;
  const boardDoc = boardLive.live?.doc ?? null;
  const editOthers = show.permissions.includes("editOthersAnnotations");

  const versionIds = useMemo(() => playlist.map((v) => v.id), [playlist]);
  const live = useLiveStatuses(show.id, boardDoc, versionIds);

  // Presenter mode: the board document says who presents and what everyone looks at.
  const session = useBoardSession(boardDoc, board?.presenterId ?? null);
  const canPresent = !!board && show.permissions.includes("present") && showState === "active";
  const amPresenter =
    !!session?.presenting &&
    session.presenterId === user.id &&
    (session.presenterClient === null || session.presenterClient === boardDoc?.clientID);
  const mode: FollowMode = !session?.presenting
    ? "own"
    : amPresenter
      ? "presenting"
      : brokeAway
        ? "own"
        : "following";
  const following = mode === "following";
  const presence = usePresence(awareness, {
    versionId: version?.id ?? null,
    frame: frameNumber,
    label: version ? `${version.shot.code} v${version.number}` : undefined,
    mode: session?.presenting ? mode : undefined,
  });
  const presenterPeer = session?.presenting
    ? presence.find((p) =>
        session.presenterClient !== null
          ? p.clientId === session.presenterClient
          : p.user.id === session.presenterId && p.viewing?.mode === "presenting",
      )
    : undefined;
  const presenterFrame = presenterPeer?.viewing?.frame ?? null;
  const presenterVersion = presenterPeer?.viewing?.versionId ?? null;

  // biome-ignore lint/correctness/useExhaustiveDependencies: a new presenter or session starts everyone following
  useEffect(() => setBrokeAway(false), [session?.presenting, session?.presenterId, session?.presenterClient]);

  // Followers show what the presenter shows: while playing, the frame in the presenter's
  // presence (a number, never a time); when paused, the frame stored in the session.
  useEffect(() => {
    if (!following || !session) return;
    const vi = playlist.findIndex((v) => v.id === session.versionId);
    if (vi < 0) return;
    const target =
      session.rate !== 0 && presenterVersion === session.versionId && presenterFrame !== null
        ? presenterFrame
        : session.frame;
    const fi = playlist[vi]!.frames.findIndex((f) => f.frameNumber === target);
    setIndex(vi);
    if (fi >= 0) setFrameIndex(fi);
    setZoom(session.zoom);
    setRate(0);
  }, [following, session, presenterFrame, presenterVersion, playlist]);

  // The presenter drives: version, zoom and playback state; the frame is stored when paused.
  useEffect(() => {
    if (!amPresenter || !boardDoc || !version) return;
    writeSession(boardDoc, {
      versionId: version.id,
      rate,
      zoom,
      ...(rate === 0 ? { frame: frameNumber } : {}),
    });
  }, [amPresenter, boardDoc, version, rate, zoom, frameNumber]);

  const startPresenting = () => {
    if (!boardDoc || !version) return;
    writeSession(boardDoc, {
      presenting: true,
      presenterId: user.id,
      presenterName: user.name,
      presenterClient: boardDoc.clientID,
      versionId: version.id,
      frame: frameNumber,
      rate: 0,
      zoom,
    });
  };
  /** Anything a follower does to look elsewhere breaks away from the presenter. */
  const lookAround = () => {
    if (following) setBrokeAway(true);
  };

  // Playback, frame-accurate, inside the in/out range.
  const allRange = useMemo(() => fullRange(count), [count]);
  const range = useMemo(() => (inOut ? normaliseRange(inOut, count) : allRange), [inOut, count, allRange]);
  const fps = version?.shot.fps ?? 24;
  usePlaybackLoop({
    rate: following ? 0 : rate,
    fps,
    index: frameIndex,
    range,
    loop,
    onIndex: setFrameIndex,
    onEnded: () => setRate(0),
  });
  usePreload(version?.clip ? [] : frames.map((f) => `/api/media/${show.id}/${f.sha256}?variant=proxy`));

  // biome-ignore lint/correctness/useExhaustiveDependencies: lookAround reads the latest follow state
  const seek = useCallback(
    (i: number) => {
      lookAround();
      setRate(0);
      setFrameIndex(clampIndex(i, count));
    },
    [count, following],
  );
  const changeRate = (next: number) => {
    lookAround();
    setRate(next);
  };
  const changeZoom = (next: Zoom) => {
    lookAround();
    setZoom(next);
  };

  // Annotations of this version, by frame; threads across the version.
  const { index: annotationIndex, revision } = useAnnotationIndex(doc);
  const { undo, redo, canUndo, canRedo } = useUndo(doc);
  // biome-ignore lint/correctness/useExhaustiveDependencies: revision marks a change inside the index
  const onFrame = useMemo(
    () => (frameNumber === null ? [] : annotationIndex.onFrame(frameNumber)),
    [annotationIndex, revision, frameNumber],
  );
  // biome-ignore lint/correctness/useExhaustiveDependencies: revision marks a change inside the index
  const threads = useMemo(() => threadsOf(annotationIndex.all()), [annotationIndex, revision]);
  const shapes = onFrame.filter(isShape);
  const pinned = onFrame.filter((a): a is Comment => a.kind === "comment");
  const pins = new Map<string, Pin>(
    pinned.map((c, i) => [c.id, { id: c.id, number: i + 1, resolved: threads.get(c.id)?.resolved ?? false }]),
  );
  const numbers = new Map([...pins.values()].map((p) => [p.id, p.number]));
  const shownThreads = allFrames
    ? [...threads.values()].sort((a, b) => a.root.frame - b.root.frame || a.root.createdAt - b.root.createdAt)
    : pinned.flatMap((c) => threads.get(c.id) ?? []);
  const ghostShapes =
    ghosts && frameNumber !== null
      ? {
          prev:
            frameIndex > 0
              ? annotationIndex
                  .onFrame(frames[frameIndex - 1]!.frameNumber)
                  .filter(isShape)
                  .filter((a) => !showsOn(a, frameNumber))
              : [],
          next:
            frameIndex < count - 1
              ? annotationIndex
                  .onFrame(frames[frameIndex + 1]!.frameNumber)
                  .filter(isShape)
                  .filter((a) => !showsOn(a, frameNumber))
              : [],
        }
      : null;
  const frameEnd =
    hold === 1
      ? undefined
      : hold === 0
        ? frames.at(-1)?.frameNumber
        : frames[Math.min(count - 1, frameIndex + hold - 1)]?.frameNumber;

  const membersQuery = useQuery(trpc.member.list.queryOptions({ showId: show.id }, { enabled: loadPanels }));
  const members: Mentionable[] = useMemo(
    () =>
      (membersQuery.data ?? [])
        .filter((m) => m.active)
        .map((m) => ({ userId: m.userId, name: m.name, email: m.email })),
    [membersQuery.data],
  );

  // Laser pointers: presence only, never stored.
  const lastLaser = useRef(0);
  const onLaser = (p: Point | null) => {
    if (!awareness || !version || frameNumber === null) return;
    const now = performance.now();
    if (p && now - lastLaser.current < 30) return;
    lastLaser.current = now;
    awareness.setLocalStateField(
      "laser",
      p ? { versionId: version.id, frame: frameNumber, x: p[0], y: p[1] } : null,
    );
  };
  const lasers: Laser[] = presence
    .filter(
      (p) =>
        p.laser &&
        p.clientId !== awareness?.clientID &&
        p.laser.versionId === version?.id &&
        p.laser.frame === frameNumber,
    )
    .map((p) => ({
      clientId: p.clientId,
      name: p.user.name,
      color: p.user.color,
      x: p.laser!.x,
      y: p.laser!.y,
    }));

  const compareCandidates = useMemo(
    () =>
      version
        ? playlist
            .filter((v) => v.id !== version.id)
            .sort((a, b) => Number(b.shot.id === version.shot.id) - Number(a.shot.id === version.shot.id))
        : [],
    [playlist, version],
  );
  const compareTarget = compareCandidates.find((v) => v.id === compareWith) ?? compareCandidates[0];
  const canWrite = !readOnly && status.state !== "ended";
  const drawAllowed = mayDraw(session, user.id);
  const activeTool: Tool | null = tool === "laser" ? "laser" : canWrite && drawAllowed ? tool : null;

  // Keyboard: ←/→ step, Home/End, J/K/L shuttle, space play/pause, I/O in/out, tools, undo/redo.
  const keys = useRef({ seek, changeRate, rate, frameIndex, count, undo, redo });
  keys.current = { seek, changeRate, rate, frameIndex, count, undo, redo };
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      if (
        target &&
        (target.tagName === "INPUT" ||
          target.tagName === "TEXTAREA" ||
          target.tagName === "SELECT" ||
          target.isContentEditable)
      )
        return;
      const k = keys.current;
      const key = event.key.toLowerCase();
      if ((event.ctrlKey || event.metaKey) && key === "z") {
        if (event.shiftKey) k.redo();
        else k.undo();
      } else if ((event.ctrlKey || event.metaKey) && key === "y") k.redo();
      else if (event.ctrlKey || event.metaKey || event.altKey) return;
      else if (event.key === "ArrowRight") k.seek(k.frameIndex + 1);
      else if (event.key === "ArrowLeft") k.seek(k.frameIndex - 1);
      else if (event.key === "Home") k.seek(0);
      else if (event.key === "End") k.seek(k.count - 1);
      else if (key === "j" || key === "k" || key === "l") k.changeRate(shuttle(k.rate, key));
      else if (event.key === " ") k.changeRate(k.rate === 0 ? 1 : 0);
      else if (key === "i") setInOut((r) => ({ in: k.frameIndex, out: r?.out ?? k.count - 1 }));
      else if (key === "o") setInOut((r) => ({ in: r?.in ?? 0, out: k.frameIndex }));
      else if (TOOL_KEYS.has(key)) setTool(TOOL_KEYS.get(key)!);
      else return;
      event.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  const selectVersion = (i: number) => {
    lookAround();
    setIndex(i);
    setFrameIndex(0);
    setRate(0);
    setInOut(null);
  };

  if (!version) return <main className="page">This board has no versions in its playlist yet.</main>;

  return (
    <main className="board">
      <aside className="playlist" aria-label="Playlist">
        <h2>{board ? board.title : "Version"}</h2>
        <ol>
          {playlist.map((v, i) => (
            <li key={v.id}>
              <button
                type="button"
                className={i === index ? "active" : ""}
                onClick={() => selectVersion(i)}
                data-testid={`playlist-item-${i}`}
              >
                {v.frames[0] ? (
                  // biome-ignore lint/performance/noImgElement: authorised media route
                  <img
                    src={`/api/media/${show.id}/${v.frames[0].sha256}?variant=thumb`}
                    alt=""
                    width={96}
                    height={54}
                  />
                ) : null}
                <span>
                  {v.shot.code} <strong>v{v.number}</strong>
                  <br />
                  <StatusBadge status={live.statuses[v.id] ?? v.status} />
                </span>
              </button>
            </li>
          ))}
        </ol>
        {board ? <NotesExport slug={show.slug} boardId={board.id} /> : null}
      </aside>

      <section className="stage">
        <LockedBanner state={showState} />
        <div className="stage-top">
          {board && session ? (
            <PresenterBar
              session={session}
              doc={boardDoc}
              user={user}
              canPresent={canPresent}
              mode={mode}
              peers={presence}
              onBreakAway={() => setBrokeAway(true)}
              onJumpBack={() => setBrokeAway(false)}
              onStart={startPresenting}
            />
          ) : null}
          <div className="stage-bar">
            <AnnotationToolbar
              tool={tool}
              onTool={setTool}
              color={color}
              onColor={setColor}
              width={width}
              onWidth={setWidth}
              hold={hold}
              onHold={setHold}
              ghosts={ghosts}
              onGhosts={setGhosts}
              canUndo={canUndo}
              canRedo={canRedo}
              onUndo={undo}
              onRedo={redo}
              drawingDisabled={!canWrite || !drawAllowed}
              disabledReason={
                canWrite && !drawAllowed
                  ? "The presenter has not given you drawing; ask them to allow you."
                  : null
              }
            />
            <div className="stage-right">
              <CompareControl
                mode={compare}
                onMode={setCompare}
                current={version}
                candidates={compareCandidates}
                withId={compareTarget?.id ?? null}
                onWith={setCompareWith}
              />
              {!versionLive.loaded && versionLive.status.state !== "ended" ? (
                <output className="conn conn-loading" data-testid="annotations-loading">
                  Loading annotations…
                </output>
              ) : null}
              <ConnectionBadge status={status} />
            </div>
          </div>
        </div>
        {compare !== "off" && compareTarget && frameNumber !== null ? (
          <CompareView
            showId={show.id}
            mode={compare}
            a={version}
            b={compareTarget}
            frameNumber={frameNumber}
            index={frameIndex}
          />
        ) : (
          <FrameViewer
            key={version.id}
            showId={show.id}
            frameNumber={frameNumber}
            frame={frame}
            clip={version.clip}
            shapes={shapes}
            comments={pinned}
            pins={pins}
            ghosts={ghostShapes}
            tool={activeTool}
            color={color}
            width={width}
            frameEnd={frameEnd}
            user={user}
            editOthers={editOthers}
            doc={doc}
            members={members}
            zoom={zoom}
            onZoom={changeZoom}
            lasers={lasers}
            onLaser={onLaser}
            activePin={activeThread}
            onPinClick={(id) => {
              setActiveThread(id);
              setAllFrames(false);
            }}
          />
        )}
        <Transport
          frameNumber={frameNumber}
          index={frameIndex}
          count={count}
          fps={fps}
          rate={following ? (session?.rate ?? 0) : rate}
          range={range}
          hasRange={inOut !== null}
          loop={loop}
          numberAt={(i) => frames[i]?.frameNumber}
          zoom={zoom}
          onSeek={seek}
          onRate={changeRate}
          onSetIn={() => setInOut((r) => ({ in: frameIndex, out: r?.out ?? count - 1 }))}
          onSetOut={() => setInOut((r) => ({ in: r?.in ?? 0, out: frameIndex }))}
          onClearRange={() => setInOut(null)}
          onLoop={setLoop}
          onZoom={changeZoom}
        />
      </section>

      <aside className="side">
        <PresenceList peers={presence} selfId={user.id} />
        <DecisionPanel
          show={liveShow}
          version={version}
          load={loadPanels}
          onStatus={live.noteStatus}
          // The board document takes writes only from those who may present.
          onDecided={show.permissions.includes("present") ? live.announceDecision : undefined}
        />
        <ProvenancePanel
          key={version.id}
          show={liveShow}
          versionId={version.id}
          defaultOpen={board === null}
          load={loadPanels}
        />
        <CommentThreads
          threads={shownThreads}
          numbers={numbers}
          frameNumber={frameNumber}
          allFrames={allFrames}
          onAllFrames={setAllFrames}
          members={members}
          doc={doc}
          user={user}
          editOthers={editOthers}
          canWrite={canWrite}
          activeId={activeThread}
          onJump={(frameNo, id) => {
            const fi = frames.findIndex((f) => f.frameNumber === frameNo);
            if (fi >= 0) seek(fi);
            setActiveThread(id);
          }}
        />
      </aside>
    </main>
  );
}

function ConnectionBadge({ status }: { status: LiveStatus }) {
  const text =
    status.state === "live"
      ? "Live"
      : status.state === "connecting"
        ? "Connecting…"
        : status.state === "offline"
          ? "Offline: your changes are kept and sync when the connection returns"
          : status.message;
  return (
    <output
      className={`conn conn-${status.state}`}
      data-testid="connection"
      role={status.state === "ended" ? "alert" : undefined}
    >
      {text}
    </output>
  );
}
