"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { useEffect, useState } from "react";
import { StatusBadge } from "~/app/_components/status-badge";
import { useTRPC } from "~/app/_components/trpc";
import type { AppRouter } from "~/server/root";
import type { VersionDetail } from "~/server/services/shows/versions";

type ShowInfo = inferRouterOutputs<AppRouter>["show"]["bySlug"];
type SignoffState = inferRouterOutputs<AppRouter>["version"]["signoff"];
type Kind = "approved" | "changes_requested" | "rejected";

const short = (hash: string | null | undefined) => (hash ? `${hash.slice(0, 12)}…` : "—");
const when = (d: Date | string) => new Date(d).toLocaleString();

/**
 * The sign-off panel: recommend (supervisors, directors), approve / request changes / reject /
 * reopen (directors), with gate blockers, conflict messages that show the current state, and
 * "what was approved": the frames, provenance, notes and consents the approval is bound to.
 */
export function DecisionPanel(props: {
  show: ShowInfo;
  version: VersionDetail;
  /** Fetch the sign-off state now (false: not yet, the board is still connecting). */
  load?: boolean;
  /** Told the version's status whenever the panel reads it (the playlist's badges follow it). */
  onStatus?: (versionId: string, status: string) => void;
  /** Told after a decision, recommendation or reopening here succeeded. */
  onDecided?: (versionId: string) => void;
}) {
  // A fresh panel per version: the note and any error belong to the version they were for.
  return <Panel key={props.version.id} {...props} />;
}

function Panel({ show, version, load = true, onStatus, onDecided }: Parameters<typeof DecisionPanel>[0]) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [reason, setReason] = useState("");
  const input = { showId: show.id, versionId: version.id };
  const state = useQuery(trpc.version.signoff.queryOptions(input, { enabled: load }));
  const decisions = useQuery(trpc.version.decisions.queryOptions(input, { enabled: load }));
  const status = state.data?.status ?? version.status;
  const read = state.data?.status;
  useEffect(() => {
    if (read) onStatus?.(version.id, read);
  }, [read, version.id, onStatus]);
  const active = show.state === "active";
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: trpc.version.signoff.queryKey(input) });
    void queryClient.invalidateQueries({ queryKey: trpc.version.decisions.queryKey(input) });
  };
  const options = {
    onSuccess: () => {
      setReason("");
      refresh();
      onDecided?.(version.id);
    },
    // A conflict means someone else decided meanwhile: fetch the state they left.
    onError: refresh,
  };
  const recommend = useMutation(trpc.version.recommend.mutationOptions(options));
  const decide = useMutation(trpc.version.decide.mutationOptions(options));
  const reopen = useMutation(trpc.version.reopen.mutationOptions(options));
  const pending =
    recommend.isPending || decide.isPending || reopen.isPending || state.isFetching || state.isPending;
  const error = recommend.error ?? decide.error ?? reopen.error;
  const reset = () => {
    recommend.reset();
    decide.reset();
    reopen.reset();
  };

  const canSignOff = show.permissions.includes("signoff") && active;
  const canRecommend = show.permissions.includes("recommend") && active && status === "pending_review";
  const undecided = status === "pending_review" || status === "recommended";
  const send = (kind: Kind) => {
    reset();
    decide.mutate({ ...input, kind, reason, expectedStatus: status });
  };
  const hint = !active
    ? "This show is locked, so versions cannot be signed off."
    : "Only the show's director can sign off versions.";
  const history = decisions.data ?? [];

  return (
    <section className="decision" aria-label="Sign-off">
      <h3>
        {version.shot.code} v{version.number} <StatusBadge status={status} />
      </h3>
      {canSignOff || canRecommend ? (
        <textarea
          aria-label="Decision note"
          placeholder={
            undecided
              ? "Note for the artist (required to request changes)"
              : "Why reopen? (required; recorded in the audit log)"
          }
          value={reason}
          maxLength={4000}
          onChange={(e) => setReason(e.target.value)}
        />
      ) : null}
      <div className="decision-buttons">
        {canRecommend ? (
          <button
            type="button"
            disabled={pending}
            onClick={() => {
              reset();
              recommend.mutate({ ...input, reason, expectedStatus: status });
            }}
          >
            Recommend
          </button>
        ) : null}
        {canSignOff && undecided ? (
          <>
            <button type="button" className="approve" disabled={pending} onClick={() => send("approved")}>
              Approve
            </button>
            <button type="button" disabled={pending} onClick={() => send("changes_requested")}>
              Request changes
            </button>
            <button type="button" className="reject" disabled={pending} onClick={() => send("rejected")}>
              Reject
            </button>
          </>
        ) : null}
        {canSignOff && !undecided ? (
          <button
            type="button"
            disabled={pending}
            onClick={() => {
              reset();
              reopen.mutate({ ...input, reason, expectedStatus: status });
            }}
          >
            Reopen
          </button>
        ) : null}
      </div>
      {canSignOff ? null : (
        <p className="muted small" data-testid="signoff-hint">
          {hint}
        </p>
      )}
      {error ? (
        <div role="alert" className="error" data-testid="signoff-error">
          <p>{error.message}</p>
          {error.data?.code === "CONFLICT" ? (
            <p className="small">
              Current state: <StatusBadge status={status} />
            </p>
          ) : null}
        </div>
      ) : null}
      {state.data ? <Governance state={state.data} showBlockers={canSignOff && undecided} /> : null}
      {state.data?.lastApproval ? <WhatWasApproved state={state.data} /> : null}
      {history.length > 0 ? (
        <ul className="history small">
          {history.map((d) => (
            <li key={d.id}>
              <StatusBadge status={d.kind} /> by {d.userName} ({d.role}), {when(d.createdAt)}
              {d.reason ? <q>{d.reason}</q> : null}
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

function Governance({ state, showBlockers }: { state: SignoffState; showBlockers: boolean }) {
  return (
    <div className="governance small">
      <p className="muted" data-testid="gates">
        Gates: likeness consent {state.gates.likenessConsent ? "on" : "off"} · AI provenance{" "}
        {state.gates.aiProvenance ? "on" : "off"}
        {state.lockedAt ? ` · media and provenance frozen since ${when(state.lockedAt)}` : ""}
        {state.creditsLockedAt ? " · credits locked" : ""}
      </p>
      {state.likenesses.length > 0 ? (
        <p className="muted">
          Likenesses:{" "}
          {state.likenesses.map((l, i) => (
            <span key={l.talentName} className={l.covered ? "ok" : "bad"}>
              {i > 0 ? ", " : ""}
              {l.talentName} ({l.covered ? "consent active" : "no active consent"})
            </span>
          ))}
        </p>
      ) : null}
      {showBlockers && state.blockers.length > 0 ? (
        <div className="blockers" data-testid="gate-blockers">
          <strong>Approval is blocked:</strong>
          <ul>
            {state.blockers.map((b) => (
              <li key={b.message}>{b.message}</li>
            ))}
          </ul>
        </div>
      ) : null}
    </div>
  );
}

function WhatWasApproved({ state }: { state: SignoffState }) {
  const a = state.lastApproval!;
  const drift = state.drift;
  return (
    <details className="approved-binding" data-testid="what-was-approved" open={a.inForce}>
      <summary>
        What was approved{a.inForce ? "" : " (since reopened)"}: {a.by}, {when(a.at)}
      </summary>
      {drift?.frames ? (
        <p className="drift bad" data-testid="drift-frames">
          The media differs from what was approved.
        </p>
      ) : null}
      {drift?.provenance ? (
        <p className="drift bad" data-testid="drift-provenance">
          The provenance differs from what was approved.
        </p>
      ) : null}
      {drift?.notes ? <p className="drift muted">Notes were added or changed since this approval.</p> : null}
      <dl>
        <dt>Frames</dt>
        <dd data-testid="approved-frames">
          {a.frameHashes.length} frame{a.frameHashes.length === 1 ? "" : "s"}
          <ol className="hashes">
            {a.frameHashes.map((h, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: frames repeat hashes; position is identity
              <li key={i}>
                <code title={h}>{short(h)}</code>
              </li>
            ))}
          </ol>
        </dd>
        <dt>Provenance</dt>
        <dd>
          {a.provenanceHash ? (
            <code title={a.provenanceHash} data-testid="approved-provenance">
              {short(a.provenanceHash)}
            </code>
          ) : (
            <span className="muted">no provenance record</span>
          )}
        </dd>
        <dt>Notes</dt>
        <dd>
          <code title={a.notesHash ?? ""}>{short(a.notesHash)}</code>
        </dd>
        <dt>Consents</dt>
        <dd data-testid="approved-consents">
          {a.consents.length === 0 ? (
            <span className="muted">none relied on</span>
          ) : (
            <ul>
              {a.consents.map((c) => (
                <li key={c.id}>
                  {c.talentName}: {c.scope}
                  {c.reference ? ` (ref ${c.reference})` : ""}, valid {c.validFrom}
                  {c.validTo ? ` to ${c.validTo}` : " onwards"}
                  {c.revokedAt ? " — revoked since" : ""}
                </li>
              ))}
            </ul>
          )}
        </dd>
      </dl>
    </details>
  );
}
