"use client";

import { useMutation } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useTRPC } from "~/app/_components/trpc";
import type { AppRouter } from "~/server/root";

type ShowInfo = inferRouterOutputs<AppRouter>["show"]["bySlug"];

/** Producer tools on the show page: the members and pipeline-token pages, and locking or unlocking the show. */
export function ShowAdminBar({ show }: { show: ShowInfo }) {
  const canManage = show.permissions.includes("manageMembers");
  const canLock = show.permissions.includes("lockShow");
  if (!canManage && !canLock) return null;
  return (
    <nav className="show-admin" aria-label="Show administration">
      {canManage ? (
        <Link href={`/shows/${show.slug}/members`} className="button">
          Members
        </Link>
      ) : null}
      {canManage ? (
        <Link href={`/shows/${show.slug}/tokens`} className="button">
          Pipeline tokens
        </Link>
      ) : null}
      {canLock && show.state !== "archived" ? <LockToggle show={show} /> : null}
    </nav>
  );
}

function LockToggle({ show }: { show: ShowInfo }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [confirming, setConfirming] = useState(false);
  const setLocked = useMutation(
    trpc.show.setLocked.mutationOptions({
      onSuccess: () => {
        setConfirming(false);
        router.refresh();
      },
    }),
  );
  const locked = show.state === "locked";
  return (
    <span className="lock-toggle">
      {locked ? (
        <button
          type="button"
          disabled={setLocked.isPending}
          onClick={() => setLocked.mutate({ showId: show.id, locked: false })}
        >
          Unlock show
        </button>
      ) : confirming ? (
        <>
          <span className="small">Everyone, you included, becomes read-only until you unlock.</span>
          <button
            type="button"
            className="danger"
            disabled={setLocked.isPending}
            onClick={() => setLocked.mutate({ showId: show.id, locked: true })}
          >
            Lock now
          </button>
          <button type="button" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </>
      ) : (
        <button type="button" onClick={() => setConfirming(true)}>
          Lock show…
        </button>
      )}
      {setLocked.error ? (
        <span role="alert" className="error">
          {setLocked.error.message}
        </span>
      ) : null}
    </span>
  );
}
