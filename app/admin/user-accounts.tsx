"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "~/app/_components/trpc";

/** Studio admin: disable an account (every session ends at once, live boards included) or enable it again. */
export function UserAccounts({ selfId }: { selfId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const list = useQuery(trpc.admin.users.queryOptions());
  const toggle = useMutation(
    trpc.admin.setUserDisabled.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.admin.users.queryKey() }),
    }),
  );
  return (
    <section className="card" aria-label="Accounts">
      <h2>Accounts</h2>
      <p className="muted">
        Disabling an account signs it out everywhere at once and refuses its sign-in until you enable it
        again. Its memberships stay as they are.
      </p>
      {list.error ? (
        <p role="alert" className="error">
          {list.error.message}
        </p>
      ) : null}
      {toggle.error ? (
        <p role="alert" className="error">
          {toggle.error.message}
        </p>
      ) : null}
      <table>
        <thead>
          <tr>
            <th>Name</th>
            <th>Email</th>
            <th>Status</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(list.data ?? []).map((u) => (
            <tr key={u.id} data-testid={`account-${u.email}`}>
              <td>{u.name}</td>
              <td>{u.email}</td>
              <td>{u.disabled ? "disabled" : u.isStudioAdmin ? "active (studio admin)" : "active"}</td>
              <td>
                {u.id === selfId ? null : (
                  <button
                    type="button"
                    disabled={toggle.isPending}
                    onClick={() => toggle.mutate({ userId: u.id, disabled: !u.disabled })}
                  >
                    {u.disabled ? "Enable" : "Disable"}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
