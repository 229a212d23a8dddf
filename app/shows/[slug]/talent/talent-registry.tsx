"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { type FormEvent, useId, useState } from "react";
import { useTRPC } from "~/app/_components/trpc";
import type { AppRouter } from "~/server/root";

type Outputs = inferRouterOutputs<AppRouter>;
type ShowInfo = Outputs["show"]["bySlug"];
type Talent = Outputs["talent"]["list"][number];
type Consent = Talent["consents"][number];

const GUILDS = ["none", "SAG-AFTRA", "WGA", "TAG/IATSE"] as const;
type Guild = (typeof GUILDS)[number];
const MEDIA = ["image", "video", "voice", "3d-scan", "motion"] as const;

const STATE_LABEL: Record<Consent["state"], string> = {
  active: "active",
  revoked: "revoked",
  expired: "expired",
  not_yet_valid: "not yet valid",
};

function today(): string {
  return new Date().toISOString().slice(0, 10);
}

/** The show's talent registry: producers add and edit talent, add and revoke consents. */
export function TalentRegistry({ show, initialTalent }: { show: ShowInfo; initialTalent: Talent[] }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const canManage = show.permissions.includes("editCredits") && show.state === "active";
  const list = useQuery(trpc.talent.list.queryOptions({ showId: show.id }, { initialData: initialTalent }));
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.talent.list.queryKey() });
  const talent = list.data ?? initialTalent;
  return (
    <div className="talent">
      {!show.permissions.includes("editCredits") ? (
        <p className="talent-note">Producers keep this registry; you can read it.</p>
      ) : show.state !== "active" ? (
        <p className="talent-note">Unlock the show to change the registry.</p>
      ) : null}
      {canManage ? <AddTalentForm showId={show.id} onAdded={refresh} /> : null}
      {talent.length === 0 ? <p className="muted">No talent registered yet.</p> : null}
      <div className="talent-list" data-testid="talent-list">
        {talent.map((t) => (
          <TalentCard key={t.id} showId={show.id} talent={t} canManage={canManage} onChanged={refresh} />
        ))}
      </div>
    </div>
  );
}

function AddTalentForm({ showId, onAdded }: { showId: string; onAdded: () => void }) {
  const trpc = useTRPC();
  const id = useId();
  const [name, setName] = useState("");
  const [guild, setGuild] = useState<Guild>("SAG-AFTRA");
  const [notes, setNotes] = useState("");
  const add = useMutation(
    trpc.talent.add.mutationOptions({
      onSuccess: () => {
        setName("");
        setNotes("");
        onAdded();
      },
    }),
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    add.mutate({ showId, talent: { name, guild, notes } });
  };
  return (
    <form className="card form add-member" onSubmit={submit} aria-label="Add talent">
      <h2>Add talent</h2>
      <div className="add-member-fields">
        <div className="field">
          <label htmlFor={`${id}-name`}>Name</label>
          <input id={`${id}-name`} value={name} onChange={(e) => setName(e.target.value)} required />
        </div>
        <div className="field">
          <label htmlFor={`${id}-guild`}>Guild</label>
          <select id={`${id}-guild`} value={guild} onChange={(e) => setGuild(e.target.value as Guild)}>
            {GUILDS.map((g) => (
              <option key={g} value={g}>
                {g}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-notes`}>Notes</label>
          <input id={`${id}-notes`} value={notes} onChange={(e) => setNotes(e.target.value)} />
        </div>
        <button type="submit" disabled={add.isPending}>
          Add talent
        </button>
      </div>
      {add.error ? (
        <p className="error" role="alert">
          {add.error.message}
        </p>
      ) : null}
    </form>
  );
}

function TalentCard({
  showId,
  talent,
  canManage,
  onChanged,
}: {
  showId: string;
  talent: Talent;
  canManage: boolean;
  onChanged: () => void;
}) {
  const [editing, setEditing] = useState(false);
  const [adding, setAdding] = useState(false);
  return (
    <section className="card" aria-label={talent.name} data-testid={`talent-${talent.name}`}>
      <h2>
        {talent.name} {talent.guild !== "none" ? <span className="badge">{talent.guild}</span> : null}{" "}
        <span className={talent.covered ? "badge status-approved" : "badge status-rejected"}>
          {talent.covered ? "consent active" : "no active consent"}
        </span>
      </h2>
      {talent.notes ? <p className="muted">{talent.notes}</p> : null}
      <p className="muted small">
        Used by {talent.versionsUsing} version{talent.versionsUsing === 1 ? "" : "s"}.
      </p>
      {canManage && editing ? (
        <EditTalentForm
          showId={showId}
          talent={talent}
          onDone={() => {
            setEditing(false);
            onChanged();
          }}
        />
      ) : null}
      {talent.consents.length > 0 ? (
        <table className="consents">
          <thead>
            <tr>
              <th scope="col">Scope of use</th>
              <th scope="col">Media</th>
              <th scope="col">Valid</th>
              <th scope="col">Reference</th>
              <th scope="col">State</th>
              {canManage ? <th scope="col" /> : null}
            </tr>
          </thead>
          <tbody>
            {talent.consents.map((c) => (
              <tr key={c.id} className={`consent-${c.state}`}>
                <td>{c.scope}</td>
                <td>{c.media.join(", ")}</td>
                <td>
                  {c.validFrom} – {c.validTo ?? "open-ended"}
                </td>
                <td>{c.reference || "—"}</td>
                <td>
                  {STATE_LABEL[c.state]}
                  {c.revokedAt ? ` ${new Date(c.revokedAt).toISOString().slice(0, 10)}` : ""}
                </td>
                {canManage ? (
                  <td>
                    {c.state !== "revoked" ? (
                      <RevokeConsent
                        showId={showId}
                        talentName={talent.name}
                        consentId={c.id}
                        onDone={onChanged}
                      />
                    ) : null}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted small">No consent recorded.</p>
      )}
      {canManage ? (
        adding ? (
          <AddConsentForm
            showId={showId}
            talent={talent}
            onDone={() => {
              setAdding(false);
              onChanged();
            }}
          />
        ) : (
          <div className="decision-buttons">
            <button type="button" onClick={() => setAdding(true)}>
              Add consent
            </button>
            {!editing ? (
              <button type="button" onClick={() => setEditing(true)}>
                Edit talent
              </button>
            ) : null}
          </div>
        )
      ) : null}
    </section>
  );
}

function RevokeConsent({
  showId,
  talentName,
  consentId,
  onDone,
}: {
  showId: string;
  talentName: string;
  consentId: string;
  onDone: () => void;
}) {
  const trpc = useTRPC();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState("");
  const revoke = useMutation(trpc.talent.revokeConsent.mutationOptions({ onSuccess: onDone }));
  if (!open)
    return (
      <button type="button" className="danger" onClick={() => setOpen(true)}>
        Revoke
      </button>
    );
  return (
    <form
      className="revoke"
      aria-label={`Revoke consent of ${talentName}`}
      onSubmit={(e) => {
        e.preventDefault();
        revoke.mutate({ showId, consentId, reason });
      }}
    >
      <input aria-label="Reason for revoking" value={reason} onChange={(e) => setReason(e.target.value)} />
      <FormActions
        label="Confirm revoke"
        danger
        pending={revoke.isPending}
        error={revoke.error}
        onCancel={() => setOpen(false)}
      />
    </form>
  );
}

function EditTalentForm({ showId, talent, onDone }: { showId: string; talent: Talent; onDone: () => void }) {
  const trpc = useTRPC();
  const id = useId();
  const [name, setName] = useState(talent.name);
  const [guild, setGuild] = useState<Guild>(talent.guild);
  const [notes, setNotes] = useState(talent.notes);
  const update = useMutation(trpc.talent.update.mutationOptions({ onSuccess: onDone }));
  return (
    <form
      className="consent-form"
      aria-label={`Edit ${talent.name}`}
      onSubmit={(e) => {
        e.preventDefault();
        update.mutate({ showId, talentId: talent.id, changes: { name, guild, notes } });
      }}
    >
      <label htmlFor={`${id}-name`}>
        Name <input id={`${id}-name`} value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <label htmlFor={`${id}-guild`}>
        Guild{" "}
        <select id={`${id}-guild`} value={guild} onChange={(e) => setGuild(e.target.value as Guild)}>
          {GUILDS.map((g) => (
            <option key={g} value={g}>
              {g}
            </option>
          ))}
        </select>
      </label>
      <label htmlFor={`${id}-notes`}>
        Notes <input id={`${id}-notes`} value={notes} onChange={(e) => setNotes(e.target.value)} />
      </label>
      <FormActions label="Save talent" pending={update.isPending} error={update.error} onCancel={onDone} />
    </form>
  );
}

function AddConsentForm({ showId, talent, onDone }: { showId: string; talent: Talent; onDone: () => void }) {
  const trpc = useTRPC();
  const id = useId();
  const [scope, setScope] = useState("");
  const [media, setMedia] = useState<string[]>(["image", "video"]);
  const [validFrom, setValidFrom] = useState(today());
  const [validTo, setValidTo] = useState("");
  const [reference, setReference] = useState("");
  const add = useMutation(trpc.talent.addConsent.mutationOptions({ onSuccess: onDone }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    add.mutate({
      showId,
      talentId: talent.id,
      consent: { scope, media, validFrom, validTo: validTo || null, reference },
    });
  };
  return (
    <form className="consent-form" aria-label={`Add consent for ${talent.name}`} onSubmit={submit}>
      <label htmlFor={`${id}-scope`}>
        Scope of use{" "}
        <input
          id={`${id}-scope`}
          value={scope}
          onChange={(e) => setScope(e.target.value)}
          placeholder="e.g. digital double for SQ010 crowd shots"
        />
      </label>
      <fieldset>
        <legend className="small muted">Media</legend>
        {MEDIA.map((m) => (
          <label key={m} className="check">
            <input
              type="checkbox"
              checked={media.includes(m)}
              onChange={(e) => setMedia(e.target.checked ? [...media, m] : media.filter((x) => x !== m))}
            />{" "}
            {m}
          </label>
        ))}
      </fieldset>
      <label htmlFor={`${id}-from`}>
        Valid from{" "}
        <input
          id={`${id}-from`}
          type="date"
          value={validFrom}
          onChange={(e) => setValidFrom(e.target.value)}
        />
      </label>
      <label htmlFor={`${id}-to`}>
        Valid to (optional){" "}
        <input id={`${id}-to`} type="date" value={validTo} onChange={(e) => setValidTo(e.target.value)} />
      </label>
      <label htmlFor={`${id}-ref`}>
        Reference <input id={`${id}-ref`} value={reference} onChange={(e) => setReference(e.target.value)} />
      </label>
      <FormActions label="Save consent" pending={add.isPending} error={add.error} onCancel={onDone} />
    </form>
  );
}

/** A form's submit and cancel buttons and the refusal the server gave, said as it was. */
function FormActions({
  label,
  pending,
  error,
  onCancel,
  danger,
}: {
  label: string;
  pending: boolean;
  error: { message: string } | null;
  onCancel: () => void;
  danger?: boolean;
}) {
  return (
    <>
      <button type="submit" className={danger ? "danger" : undefined} disabled={pending}>
        {label}
      </button>
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
      {error ? (
        <p className="error" role="alert">
          {error.message}
        </p>
      ) : null}
    </>
  );
}
