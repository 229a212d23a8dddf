"use client";

import { useMutation } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { StatusBadge } from "~/app/_components/status-badge";
import { useTRPC } from "~/app/_components/trpc";
import type { AppRouter } from "~/server/root";

type Outputs = inferRouterOutputs<AppRouter>;
type ShotCredits = Outputs["credits"]["report"]["shots"][number];
type CreditRow = ShotCredits["credits"][number];
type Contributors = Outputs["credits"]["contributors"];

const CLASSES = [
  ["human_authored", "human-authored"],
  ["ai_assisted", "AI-assisted"],
  ["ai_generated", "AI-generated"],
  ["human_edited_ai", "human-edited AI output"],
] as const;
const GUILDS = ["none", "WGA", "SAG-AFTRA", "TAG/IATSE"] as const;
type Class = (typeof CLASSES)[number][0];
type Guild = (typeof GUILDS)[number];

/** The per-shot credits table; producers confirm, edit, add, remove, lock and unlock here. */
export function CreditsEditor({
  showId,
  shots,
  canEdit,
  contributors,
}: {
  showId: string;
  shots: ShotCredits[];
  canEdit: boolean;
  contributors: Contributors;
}) {
  return (
    <table className="credits-table" data-testid="credits-table">
      <thead>
        <tr>
          <th>Origin</th>
          <th>Contributor</th>
          <th>Department</th>
          <th>Class</th>
          <th>Guild</th>
          <th>Notes</th>
          {canEdit ? <th /> : null}
        </tr>
      </thead>
      {shots.map((s) => (
        <ShotBlock key={s.shotId} showId={showId} shot={s} canEdit={canEdit} contributors={contributors} />
      ))}
    </table>
  );
}

function useRefreshing() {
  const router = useRouter();
  return { onSuccess: () => router.refresh() };
}

function ShotBlock({
  showId,
  shot,
  canEdit,
  contributors,
}: {
  showId: string;
  shot: ShotCredits;
  canEdit: boolean;
  contributors: Contributors;
}) {
  const trpc = useTRPC();
  const refreshing = useRefreshing();
  const propose = useMutation(trpc.credits.propose.mutationOptions(refreshing));
  const lock = useMutation(trpc.credits.lock.mutationOptions(refreshing));
  const unlock = useMutation(trpc.credits.unlock.mutationOptions(refreshing));
  const [adding, setAdding] = useState(false);
  const v = shot.version;
  const locked = !!v?.creditsLockedAt;
  const editable = canEdit && !!v && !locked;
  const error = propose.error ?? lock.error ?? unlock.error;

  return (
    <tbody data-testid={`shot-credits-${shot.code}`}>
      <tr className="shot-head">
        <th colSpan={canEdit ? 7 : 6}>
          {shot.code} {v ? `v${v.number}` : ""} {v ? <StatusBadge status={v.status} /> : null}{" "}
          {locked ? <span className="badge locked">credits locked</span> : null}
          {canEdit && v ? (
            <span className="shot-actions">
              {locked ? (
                <button
                  type="button"
                  disabled={unlock.isPending}
                  onClick={() => {
                    const reason = window.prompt("Why do the signed-off credits need to change? (audited)");
                    if (reason !== null) unlock.mutate({ showId, versionId: v.id, reason });
                  }}
                >
                  Unlock credits…
                </button>
              ) : (
                <>
                  <button
                    type="button"
                    disabled={propose.isPending}
                    onClick={() => propose.mutate({ showId, versionId: v.id })}
                  >
                    Propose from data
                  </button>
                  <button type="button" onClick={() => setAdding(true)}>
                    Add credit
                  </button>
                  <button
                    type="button"
                    disabled={lock.isPending}
                    onClick={() => lock.mutate({ showId, versionId: v.id })}
                  >
                    Lock credits
                  </button>
                </>
              )}
            </span>
          ) : null}
          {error ? (
            <span role="alert" className="error small">
              {" "}
              {error.message}
            </span>
          ) : null}
        </th>
      </tr>
      {shot.credits.length === 0 ? (
        <tr>
          <td />
          <td colSpan={canEdit ? 6 : 5} className="muted small">
            {v ? "No credits yet." : "No versions yet."}
          </td>
        </tr>
      ) : null}
      {shot.credits.map((c) => (
        <CreditLine key={c.id} showId={showId} shot={shot} credit={c} editable={editable} canEdit={canEdit} />
      ))}
      {adding && editable && v ? (
        <AddCredit
          showId={showId}
          versionId={v.id}
          contributors={contributors}
          onDone={() => setAdding(false)}
        />
      ) : null}
    </tbody>
  );
}

function CreditLine({
  showId,
  shot,
  credit,
  editable,
  canEdit,
}: {
  showId: string;
  shot: ShotCredits;
  credit: CreditRow;
  editable: boolean;
  canEdit: boolean;
}) {
  const trpc = useTRPC();
  const refreshing = useRefreshing();
  const update = useMutation(trpc.credits.update.mutationOptions(refreshing));
  const confirm = useMutation(trpc.credits.confirm.mutationOptions(refreshing));
  const remove = useMutation(trpc.credits.remove.mutationOptions(refreshing));
  const error = update.error ?? confirm.error ?? remove.error;
  const change = (changes: {
    department?: string;
    contributionClass?: Class;
    guild?: Guild;
    notes?: string;
  }) => update.mutate({ showId, creditId: credit.id, changes });

  return (
    <tr data-testid="credit-row" data-shot={shot.code}>
      <td className="muted small">{credit.origin === "proposed" ? "proposed" : ""}</td>
      <td>
        {credit.contributorName} <span className="muted small">({credit.contributorKind})</span>
      </td>
      <td>
        {editable ? (
          <input
            aria-label="Department"
            defaultValue={credit.department}
            onBlur={(e) => e.target.value !== credit.department && change({ department: e.target.value })}
          />
        ) : (
          credit.department
        )}
      </td>
      <td>
        {editable ? (
          <select
            aria-label="Contribution class"
            value={credit.contributionClass}
            onChange={(e) => change({ contributionClass: e.target.value as Class })}
          >
            {CLASSES.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        ) : (
          (CLASSES.find(([v]) => v === credit.contributionClass)?.[1] ?? credit.contributionClass)
        )}
      </td>
      <td>
        {editable ? (
          <select
            aria-label="Guild"
            value={credit.guild}
            onChange={(e) => change({ guild: e.target.value as Guild })}
          >
            {GUILDS.map((g) => (
              <option key={g}>{g}</option>
            ))}
          </select>
        ) : (
          credit.guild
        )}
      </td>
      <td className="small">
        {editable ? (
          <input
            aria-label="Notes"
            defaultValue={credit.notes}
            onBlur={(e) => e.target.value !== credit.notes && change({ notes: e.target.value })}
          />
        ) : (
          credit.notes
        )}
        {error ? (
          <span role="alert" className="error">
            {" "}
            {error.message}
          </span>
        ) : null}
      </td>
      {canEdit ? (
        <td className="nowrap">
          {editable && credit.origin === "proposed" ? (
            <button type="button" onClick={() => confirm.mutate({ showId, creditId: credit.id })}>
              Confirm
            </button>
          ) : null}
          {editable ? (
            <button
              type="button"
              className="reject"
              onClick={() => remove.mutate({ showId, creditId: credit.id })}
              aria-label={`Remove ${credit.contributorName}`}
            >
              Remove
            </button>
          ) : null}
        </td>
      ) : null}
    </tr>
  );
}

function AddCredit({
  showId,
  versionId,
  contributors,
  onDone,
}: {
  showId: string;
  versionId: string;
  contributors: Contributors;
  onDone: () => void;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const add = useMutation(
    trpc.credits.add.mutationOptions({
      onSuccess: () => {
        onDone();
        router.refresh();
      },
    }),
  );
  const [who, setWho] = useState("");
  const [name, setName] = useState("");
  const [department, setDepartment] = useState("");
  const [cls, setCls] = useState<Class>("human_authored");
  const [guild, setGuild] = useState<Guild>("none");
  const submit = () => {
    const [kind, id] = who.split(":");
    const member = contributors.members.find((m) => m.userId === id);
    const person = contributors.talent.find((t) => t.talentId === id);
    add.mutate({
      showId,
      versionId,
      credit: {
        contributorKind: kind === "talent" ? "talent" : kind === "tool" ? "tool" : "user",
        userId: member?.userId ?? null,
        talentId: person?.talentId ?? null,
        contributorName: member?.name ?? person?.name ?? name,
        department,
        contributionClass: cls,
        guild: person ? (person.guild as Guild) : guild,
        notes: "",
      },
    });
  };
  return (
    <tr className="add-credit">
      <td />
      <td>
        <select aria-label="Contributor" value={who} onChange={(e) => setWho(e.target.value)}>
          <option value="">Someone else (type a name)…</option>
          <option value="tool:">An AI tool or model (type its name)…</option>
          <optgroup label="Show members">
            {contributors.members.map((m) => (
              <option key={m.userId} value={`user:${m.userId}`}>
                {m.name} ({m.role})
              </option>
            ))}
          </optgroup>
          {contributors.talent.length ? (
            <optgroup label="Talent">
              {contributors.talent.map((t) => (
                <option key={t.talentId} value={`talent:${t.talentId}`}>
                  {t.name}
                </option>
              ))}
            </optgroup>
          ) : null}
        </select>
        {who === "" || who === "tool:" ? (
          <input aria-label="Contributor name" value={name} onChange={(e) => setName(e.target.value)} />
        ) : null}
      </td>
      <td>
        <input aria-label="Department" value={department} onChange={(e) => setDepartment(e.target.value)} />
      </td>
      <td>
        <select aria-label="Contribution class" value={cls} onChange={(e) => setCls(e.target.value as Class)}>
          {CLASSES.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </td>
      <td>
        <select aria-label="Guild" value={guild} onChange={(e) => setGuild(e.target.value as Guild)}>
          {GUILDS.map((g) => (
            <option key={g}>{g}</option>
          ))}
        </select>
      </td>
      <td>
        {add.error ? (
          <span role="alert" className="error small">
            {add.error.message}
          </span>
        ) : null}
      </td>
      <td className="nowrap">
        <button type="button" className="approve" disabled={add.isPending} onClick={submit}>
          Add
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </td>
    </tr>
  );
}
