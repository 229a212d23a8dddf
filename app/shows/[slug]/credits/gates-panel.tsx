"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useTRPC } from "~/app/_components/trpc";

type GateName = "likenessConsent" | "aiProvenance";

/** The show's sign-off gates: producers switch them (audited); everyone else sees which apply. */
export function GatesPanel({
  showId,
  gates,
  labels,
  canEdit,
}: {
  showId: string;
  gates: Record<GateName, boolean>;
  labels: Record<GateName, string>;
  canEdit: boolean;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const setGates = useMutation(trpc.show.setGates.mutationOptions({ onSuccess: () => router.refresh() }));
  return (
    <section className="card gates-panel" aria-label="Sign-off gates">
      <h2>Sign-off gates</h2>
      <ul>
        {(Object.keys(labels) as GateName[]).map((name) => (
          <li key={name}>
            <label>
              <input
                type="checkbox"
                checked={gates[name]}
                disabled={!canEdit || setGates.isPending}
                onChange={(e) => setGates.mutate({ showId, gates: { [name]: e.target.checked } })}
              />{" "}
              {labels[name]}
            </label>
          </li>
        ))}
      </ul>
      <p className="muted small">
        {canEdit
          ? "Switching a gate off lets directors approve without that check; the change is recorded in the audit log."
          : "Producers decide which gates apply."}
      </p>
      {setGates.error ? (
        <p role="alert" className="error">
          {setGates.error.message}
        </p>
      ) : null}
    </section>
  );
}
