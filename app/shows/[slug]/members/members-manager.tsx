"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { type FormEvent, useState } from "react";
import { useTRPC } from "~/app/_components/trpc";
import type { AppRouter } from "~/server/root";

type Outputs = inferRouterOutputs<AppRouter>;
type ShowInfo = Outputs["show"]["bySlug"];
type Member = Outputs["member"]["list"][number];

const ROLES = ["director", "supervisor", "artist", "producer", "reviewer"] as const;
type Role = (typeof ROLES)[number];

/** A date input's "YYYY-MM-DD" means "until the end of that day" where the producer is. */
function endOfDay(value: string): Date | null {
  if (!value) return null;
  const date = new Date(`${value}T23:59:59`);
  return Number.isNaN(date.getTime()) ? null : date;
}

function dateInputValue(date: Date | null): string {
  if (!date) return "";
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

function tomorrow(): string {
  return dateInputValue(new Date(Date.now() + 86_400_000));
}

export function MembersManager({
  show,
  selfId,
  initialMembers,
}: {
  show: ShowInfo;
  selfId: string;
  initialMembers: Member[];
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const canManage = show.permissions.includes("manageMembers") && show.state === "active";
  const members = useQuery(
    trpc.member.list.queryOptions({ showId: show.id }, { initialData: initialMembers }),
  );
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.member.list.queryKey() });
  const list = members.data ?? initialMembers;

  return (
    <div className="members">
      {show.permissions.includes("manageMembers") && show.state !== "active" ? (
        <p className="muted">Unlock the show to change its members.</p>
      ) : null}
      {canManage ? <AddMemberForm showId={show.id} onAdded={refresh} /> : null}
      <table className="members-table" data-testid="members">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">Access until</th>
            {canManage ? <th scope="col">Remove</th> : null}
          </tr>
        </thead>
        <tbody>
          {list.map((m) => (
            <MemberRow
              key={m.membershipId}
              showId={show.id}
              member={m}
              isSelf={m.userId === selfId}
              canManage={canManage}
              onChanged={refresh}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function AddMemberForm({ showId, onAdded }: { showId: string; onAdded: () => void }) {
  const trpc = useTRPC();
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("reviewer");
  const [expiry, setExpiry] = useState("");
  const [added, setAdded] = useState<string | null>(null);
  const add = useMutation(
    trpc.member.add.mutationOptions({
      onSuccess: (member) => {
        setAdded(`${member.name} was added as ${member.role}.`);
        setEmail("");
        setExpiry("");
        onAdded();
      },
    }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setAdded(null);
    add.mutate({ showId, email: email.trim(), role, expiresAt: endOfDay(expiry) });
  };
  return (
    <form className="card add-member" onSubmit={submit} aria-label="Add a member">
      <h2>Add a member</h2>
      <div className="add-member-fields">
        <label className="field">
          Email
          <input
            type="email"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            placeholder="name@studio.com"
          />
        </label>
        <label className="field">
          Role
          <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          Access until (optional)
          <input type="date" min={tomorrow()} value={expiry} onChange={(e) => setExpiry(e.target.value)} />
        </label>
        <button type="submit" disabled={add.isPending}>
          {add.isPending ? "Adding…" : "Add member"}
        </button>
      </div>
      <p className="muted small">
        The person needs a Shotboard account already. External reviewers usually get an end date; their access
        stops on that day.
      </p>
      {add.error ? (
        <p role="alert" className="error">
          {add.error.message}
        </p>
      ) : null}
      {added ? <output className="ok-text">{added}</output> : null}
    </form>
  );
}

function MemberRow({
  showId,
  member,
  isSelf,
  canManage,
  onChanged,
}: {
  showId: string;
  member: Member;
  isSelf: boolean;
  canManage: boolean;
  onChanged: () => void;
}) {
  const trpc = useTRPC();
  const [expiry, setExpiry] = useState(dateInputValue(member.expiresAt));
  const [confirming, setConfirming] = useState(false);
  const options = { onSuccess: onChanged };
  const setRole = useMutation(trpc.member.setRole.mutationOptions(options));
  const setExpiryM = useMutation(trpc.member.setExpiry.mutationOptions(options));
  const remove = useMutation(trpc.member.remove.mutationOptions(options));
  const error = setRole.error ?? setExpiryM.error ?? remove.error;
  const busy = setRole.isPending || setExpiryM.isPending || remove.isPending;
  const expiryChanged = expiry !== dateInputValue(member.expiresAt);

  return (
    <>
      <tr data-testid={`member-${member.email}`} className={member.active ? "" : "expired"}>
        <th scope="row">
          {member.name}
          {isSelf ? <span className="muted"> (you)</span> : null}
        </th>
        <td>{member.email}</td>
        <td>
          {canManage ? (
            <select
              aria-label={`Role of ${member.name}`}
              value={member.role}
              disabled={busy}
              onChange={(e) =>
                setRole.mutate({ showId, membershipId: member.membershipId, role: e.target.value as Role })
              }
            >
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          ) : (
            <span className={`badge role-${member.role}`}>{member.role}</span>
          )}
        </td>
        <td>
          {canManage ? (
            <span className="expiry-edit">
              <input
                type="date"
                aria-label={`Access of ${member.name} until`}
                min={tomorrow()}
                value={expiry}
                disabled={busy}
                onChange={(e) => setExpiry(e.target.value)}
              />
              {expiryChanged ? (
                <button
                  type="button"
                  disabled={busy}
                  onClick={() =>
                    setExpiryM.mutate({
                      showId,
                      membershipId: member.membershipId,
                      expiresAt: endOfDay(expiry),
                    })
                  }
                >
                  Save
                </button>
              ) : null}
              {member.expiresAt && !expiryChanged ? (
                <button
                  type="button"
                  disabled={busy}
                  onClick={() => {
                    setExpiry("");
                    setExpiryM.mutate({ showId, membershipId: member.membershipId, expiresAt: null });
                  }}
                >
                  No end date
                </button>
              ) : null}
            </span>
          ) : member.expiresAt ? (
            <time dateTime={member.expiresAt.toISOString()} suppressHydrationWarning>
              {member.expiresAt.toLocaleDateString()}
            </time>
          ) : (
            <span className="muted">no end date</span>
          )}
          {member.active ? null : <span className="badge expired-badge">expired</span>}
        </td>
        {canManage ? (
          <td>
            {confirming ? (
              <span className="confirm">
                <button
                  type="button"
                  className="danger"
                  disabled={busy}
                  onClick={() => remove.mutate({ showId, membershipId: member.membershipId })}
                >
                  Remove {member.name}
                </button>
                <button type="button" onClick={() => setConfirming(false)}>
                  Cancel
                </button>
              </span>
            ) : (
              <button type="button" onClick={() => setConfirming(true)} aria-label={`Remove ${member.name}…`}>
                Remove…
              </button>
            )}
          </td>
        ) : null}
      </tr>
      {error ? (
        <tr>
          <td colSpan={canManage ? 5 : 4} role="alert" className="error">
            {error.message}
          </td>
        </tr>
      ) : null}
    </>
  );
}
