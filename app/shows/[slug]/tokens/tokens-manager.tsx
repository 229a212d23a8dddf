"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { type FormEvent, useState } from "react";
import { useTRPC } from "~/app/_components/trpc";
import type { AppRouter } from "~/server/root";

type Outputs = inferRouterOutputs<AppRouter>;
type ShowInfo = Outputs["show"]["bySlug"];
type Token = Outputs["token"]["list"][number];

function when(date: Date | null): string {
  return date ? new Date(date).toLocaleString() : "never";
}

export function TokensManager({ show, initialTokens }: { show: ShowInfo; initialTokens: Token[] }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const tokens = useQuery(trpc.token.list.queryOptions({ showId: show.id }, { initialData: initialTokens }));
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.token.list.queryKey() });
  const canChange = show.state === "active";
  const [name, setName] = useState("");
  const [secret, setSecret] = useState<{ name: string; token: string } | null>(null);
  const create = useMutation(
    trpc.token.create.mutationOptions({
      onSuccess: (created) => {
        setSecret({ name: created.name, token: created.token });
        setName("");
        void refresh();
      },
    }),
  );
  const revoke = useMutation(trpc.token.revoke.mutationOptions({ onSuccess: () => void refresh() }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSecret(null);
    create.mutate({ showId: show.id, name });
  };
  const list = tokens.data ?? initialTokens;

  return (
    <div className="tokens">
      {canChange ? (
        <form className="card form add-member" onSubmit={submit}>
          <h2>New token</h2>
          <div className="add-member-fields">
            <label className="field">
              Name
              <input
                value={name}
                onChange={(e) => setName(e.target.value)}
                placeholder="e.g. comfy-farm"
                maxLength={100}
              />
            </label>
            <button type="submit" disabled={create.isPending}>
              Create token
            </button>
          </div>
          {create.error ? (
            <p className="error" role="alert">
              {create.error.message}
            </p>
          ) : null}
          {secret ? (
            <div role="status">
              <p>
                Token <strong>{secret.name}</strong> created. Copy it now: it will not be shown again.
              </p>
              <code className="token-secret" data-testid="token-secret">
                {secret.token}
              </code>
            </div>
          ) : null}
        </form>
      ) : (
        <p className="muted">Unlock the show to create or revoke tokens.</p>
      )}
      {revoke.error ? (
        <p className="error" role="alert">
          {revoke.error.message}
        </p>
      ) : null}
      {list.length === 0 ? <p className="muted">No pipeline tokens yet.</p> : null}
      {list.length ? (
        <table className="tokens-table" data-testid="tokens">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Prefix</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {list.map((t) => (
              <tr key={t.id} className={t.revokedAt ? "revoked" : undefined}>
                <td>{t.name}</td>
                <td>
                  <code>{t.prefix}…</code>
                </td>
                <td>
                  {when(t.createdAt)}
                  {t.createdBy ? <span className="muted small"> by {t.createdBy}</span> : null}
                </td>
                <td>{when(t.lastUsedAt)}</td>
                <td>
                  {t.revokedAt ? (
                    `revoked ${when(t.revokedAt)}`
                  ) : canChange ? (
                    <button
                      type="button"
                      className="danger"
                      disabled={revoke.isPending}
                      onClick={() => revoke.mutate({ showId: show.id, tokenId: t.id })}
                      aria-label={`Revoke ${t.name}`}
                    >
                      Revoke
                    </button>
                  ) : (
                    "active"
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}
