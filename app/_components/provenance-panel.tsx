"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import Link from "next/link";
import { useId, useState } from "react";
import { useTRPC } from "~/app/_components/trpc";
import type { EmbeddedProvenance, InputAsset } from "~/db/schema/provenance";
import type { AppRouter } from "~/server/root";
import { DIGITAL_SOURCE_TYPES, sourceTypeUri } from "~/shared/digital-source-types";

type ShowInfo = inferRouterOutputs<AppRouter>["show"]["bySlug"];
type View = inferRouterOutputs<AppRouter>["provenance"]["get"];

/** The typed text fields that the file can pre-fill, with their labels. */
const TEXT_FIELDS = [
  { key: "model", label: "Model" },
  { key: "modelVersion", label: "Model version" },
  { key: "provider", label: "Provider" },
  { key: "seed", label: "Seed" },
  { key: "prompt", label: "Prompt", long: true },
  { key: "negativePrompt", label: "Negative prompt", long: true },
] as const;
type TextKey = (typeof TEXT_FIELDS)[number]["key"];
type DraftKey = TextKey | "sourceType" | "parameters";

type Draft = Record<DraftKey, string> & {
  trainingClearanceRef: string;
  noTrainingAttestation: boolean;
  inputAssets: InputAsset[];
  talentIds: string[];
};

function embeddedValue(embedded: EmbeddedProvenance, key: DraftKey): string {
  if (key === "parameters") {
    return embedded.parameters && Object.keys(embedded.parameters).length > 0
      ? JSON.stringify(embedded.parameters, null, 2)
      : "";
  }
  const value = embedded[key];
  return typeof value === "string" ? value : "";
}

function typedValue(view: View, key: DraftKey): string {
  if (key === "parameters") {
    return Object.keys(view.typed.parameters).length > 0
      ? JSON.stringify(view.typed.parameters, null, 2)
      : "";
  }
  return view.typed[key] ?? "";
}

const DRAFT_KEYS: DraftKey[] = ["sourceType", ...TEXT_FIELDS.map((f) => f.key), "parameters"];

/** Typed values; where a field is empty and the file said something, the file's value, marked. */
function initialDraft(view: View): { draft: Draft; fromFile: Set<DraftKey> } {
  const fromFile = new Set<DraftKey>();
  const texts = {} as Record<DraftKey, string>;
  for (const key of DRAFT_KEYS) {
    const typed = typedValue(view, key);
    const file = embeddedValue(view.embedded, key);
    const known = key !== "sourceType" || DIGITAL_SOURCE_TYPES.some((t) => t.code === file);
    if (!typed && file && known) {
      texts[key] = file;
      fromFile.add(key);
    } else texts[key] = typed;
  }
  return {
    draft: {
      ...texts,
      trainingClearanceRef: view.typed.trainingClearanceRef ?? "",
      noTrainingAttestation: view.typed.noTrainingAttestation,
      inputAssets: view.typed.inputAssets,
      talentIds: view.likenesses.map((l) => l.talentId),
    },
    fromFile,
  };
}

/**
 * The version's provenance beside the viewer: what people typed (editable until sign-off by
 * those who may upload) and, apart, what was read from the files, each value with "Use".
 */
export function ProvenancePanel({
  show,
  versionId,
  defaultOpen = false,
  load = true,
}: {
  show: ShowInfo;
  versionId: string;
  defaultOpen?: boolean;
  /** Fetch the provenance now (false: not yet, the board is still connecting). */
  load?: boolean;
}) {
  const trpc = useTRPC();
  const input = { showId: show.id, versionId };
  const view = useQuery(trpc.provenance.get.queryOptions(input, { enabled: load }));
  // Shares the sign-off panel's query, so an approval there freezes this panel at once.
  const signoff = useQuery(trpc.version.signoff.queryOptions(input, { enabled: load }));
  const frozen = !!view.data?.frozen || !!signoff.data?.lockedAt;
  return (
    <details className="provenance" open={defaultOpen} data-testid="provenance-panel">
      <summary>
        <h3>Provenance</h3>
        {view.data && Object.keys(view.data.embedded).length > 0 ? (
          <span className="badge from-file">read from file</span>
        ) : null}
      </summary>
      {view.error ? <p className="error">{view.error.message}</p> : null}
      {view.data ? (
        <ProvenanceBody key={`${versionId}:${frozen}`} show={show} view={view.data} frozen={frozen} />
      ) : view.isPending ? (
        <p className="muted small">Loading…</p>
      ) : null}
    </details>
  );
}

function ProvenanceBody({ show, view, frozen }: { show: ShowInfo; view: View; frozen: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const id = useId();
  const mayUpload = show.permissions.includes("upload");
  const editable = mayUpload && show.state === "active" && !frozen;
  const [{ draft, fromFile }, setState] = useState(() => initialDraft(view));
  const [clientError, setClientError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const input = { showId: show.id, versionId: view.versionId };
  const save = useMutation(
    trpc.provenance.update.mutationOptions({
      onSuccess: () => {
        setSaved(true);
        setState((s) => ({ draft: s.draft, fromFile: new Set() }));
        void queryClient.invalidateQueries({ queryKey: trpc.provenance.get.queryKey(input) });
        void queryClient.invalidateQueries({ queryKey: trpc.version.signoff.queryKey(input) });
      },
      onError: () => {
        void queryClient.invalidateQueries({ queryKey: trpc.version.signoff.queryKey(input) });
      },
    }),
  );

  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => {
    setSaved(false);
    setState((s) => {
      const next = new Set(s.fromFile);
      next.delete(key as DraftKey);
      return { draft: { ...s.draft, [key]: value }, fromFile: next };
    });
  };
  const use = (key: DraftKey) => {
    setSaved(false);
    setState((s) => ({
      draft: { ...s.draft, [key]: embeddedValue(view.embedded, key) },
      fromFile: new Set(s.fromFile).add(key),
    }));
  };

  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    setClientError(null);
    save.reset();
    let parameters: Record<string, string | number | boolean> = {};
    if (draft.parameters.trim()) {
      try {
        const parsed: unknown = JSON.parse(draft.parameters);
        if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error();
        parameters = parsed as typeof parameters;
      } catch {
        setClientError('Parameters must be a JSON object, e.g. {"steps": 28, "sampler": "euler"}.');
        return;
      }
    }
    save.mutate({
      ...input,
      changes: {
        sourceType: draft.sourceType || null,
        model: draft.model,
        modelVersion: draft.modelVersion,
        provider: draft.provider,
        seed: draft.seed,
        prompt: draft.prompt,
        negativePrompt: draft.negativePrompt,
        parameters,
        trainingClearanceRef: draft.trainingClearanceRef,
        noTrainingAttestation: draft.noTrainingAttestation,
        inputAssets: draft.inputAssets,
        talentIds: draft.talentIds,
      },
    });
  };

  const fileMark = (key: DraftKey) =>
    fromFile.has(key) ? (
      <span className="badge from-file" title="Pre-filled from the file's metadata; saved when you save">
        from file
      </span>
    ) : null;

  return (
    <div className="provenance-body">
      {frozen ? (
        <p className="note" role="note">
          Approved: this provenance is frozen with the sign-off. A director can reopen the version (with a
          reason) if it must be corrected.
        </p>
      ) : !mayUpload ? (
        <p className="muted small">Directors, supervisors and artists edit provenance until sign-off.</p>
      ) : show.state !== "active" ? (
        <p className="muted small">This show is locked: provenance is read-only.</p>
      ) : null}

      <form onSubmit={submit} aria-label="Provenance">
        <fieldset disabled={!editable || save.isPending}>
          <legend className="small muted">Typed by people</legend>
          <label htmlFor={`${id}-sourceType`}>Digital source type {fileMark("sourceType")}</label>
          <select
            id={`${id}-sourceType`}
            value={draft.sourceType}
            onChange={(e) => set("sourceType", e.target.value)}
            title={draft.sourceType ? sourceTypeUri(draft.sourceType) : undefined}
          >
            <option value="">— not stated —</option>
            {DIGITAL_SOURCE_TYPES.map((t) => (
              <option key={t.code} value={t.code} title={sourceTypeUri(t.code)}>
                {t.label} ({t.code})
              </option>
            ))}
          </select>
          {TEXT_FIELDS.map((f) => (
            <div key={f.key} className="field">
              <label htmlFor={`${id}-${f.key}`}>
                {f.label} {fileMark(f.key)}
              </label>
              {"long" in f ? (
                <textarea
                  id={`${id}-${f.key}`}
                  value={draft[f.key]}
                  onChange={(e) => set(f.key, e.target.value)}
                  rows={3}
                />
              ) : (
                <input
                  id={`${id}-${f.key}`}
                  value={draft[f.key]}
                  onChange={(e) => set(f.key, e.target.value)}
                />
              )}
            </div>
          ))}
          <label htmlFor={`${id}-parameters`}>Parameters (JSON) {fileMark("parameters")}</label>
          <textarea
            id={`${id}-parameters`}
            value={draft.parameters}
            onChange={(e) => set("parameters", e.target.value)}
            rows={3}
            className="mono"
          />
          <label htmlFor={`${id}-clearance`}>Training-data clearance reference</label>
          <input
            id={`${id}-clearance`}
            value={draft.trainingClearanceRef}
            onChange={(e) => set("trainingClearanceRef", e.target.value)}
          />
          <label className="check">
            <input
              type="checkbox"
              checked={draft.noTrainingAttestation}
              onChange={(e) => set("noTrainingAttestation", e.target.checked)}
            />{" "}
            Provider attests: no training on our data
          </label>
          <InputAssets
            view={view}
            show={show}
            editable={editable}
            assets={draft.inputAssets}
            onChange={(a) => set("inputAssets", a)}
          />
          <Likenesses
            view={view}
            editable={editable}
            talentIds={draft.talentIds}
            onChange={(ids) => set("talentIds", ids)}
          />
          {editable ? (
            <div className="decision-buttons">
              <button type="submit">{save.isPending ? "Saving…" : "Save provenance"}</button>
              {saved ? <output className="ok-text">Saved</output> : null}
            </div>
          ) : null}
        </fieldset>
        {(clientError ?? save.error) ? (
          <p className="error" role="alert">
            {clientError ?? save.error?.message}
          </p>
        ) : null}
      </form>

      <Lineage show={show} view={view} />
      <ReadFromFile embedded={view.embedded} editable={editable} onUse={use} />
      {view.updatedBy ? (
        <p className="muted small">
          Last edited by {view.updatedBy}
          {view.updatedAt ? `, ${new Date(view.updatedAt).toLocaleString()}` : ""}
        </p>
      ) : null}
    </div>
  );
}

function assetKey(a: InputAsset): string {
  if (a.kind === "version") return `version:${a.versionId}`;
  if (a.kind === "media") return `media:${a.sha256}`;
  return `reference:${a.label}:${a.url ?? ""}`;
}

function InputAssets({
  view,
  show,
  editable,
  assets,
  onChange,
}: {
  view: View;
  show: ShowInfo;
  editable: boolean;
  assets: InputAsset[];
  onChange: (assets: InputAsset[]) => void;
}) {
  const versionName = (versionId: string) => {
    const v = view.versionOptions.find((o) => o.versionId === versionId);
    return v ? `${v.shotCode} v${v.number}` : "a version no longer in this show";
  };
  return (
    <div className="inputs">
      <span className="small muted">Input assets</span>
      {assets.length === 0 ? <p className="muted small">None recorded.</p> : null}
      <ul>
        {assets.map((a, i) => (
          <li key={assetKey(a)}>
            {a.kind === "version" ? (
              <Link href={`/shows/${show.slug}/versions/${a.versionId}`}>{versionName(a.versionId)}</Link>
            ) : a.kind === "reference" ? (
              a.url ? (
                <a href={a.url} rel="noopener noreferrer" target="_blank">
                  {a.label}
                </a>
              ) : (
                <span>{a.label}</span>
              )
            ) : (
              <span className="mono">media {a.sha256.slice(0, 12)}…</span>
            )}
            {a.kind !== "reference" && a.label ? <span className="muted small"> ({a.label})</span> : null}{" "}
            {editable ? (
              <button
                type="button"
                className="link"
                aria-label={`Remove input ${i + 1}`}
                onClick={() => onChange(assets.filter((_, j) => j !== i))}
              >
                remove
              </button>
            ) : null}
          </li>
        ))}
      </ul>
      {editable ? <AddInputControls view={view} assets={assets} onChange={onChange} /> : null}
    </div>
  );
}

function AddInputControls({
  view,
  assets,
  onChange,
}: {
  view: View;
  assets: InputAsset[];
  onChange: (assets: InputAsset[]) => void;
}) {
  const id = useId();
  const [pick, setPick] = useState("");
  const [label, setLabel] = useState("");
  const [url, setUrl] = useState("");
  return (
    <>
      <div className="row">
        <label htmlFor={`${id}-version`} className="sr-only">
          Add a version of this show as input
        </label>
        <select id={`${id}-version`} value={pick} onChange={(e) => setPick(e.target.value)}>
          <option value="">Add a version as input…</option>
          {view.versionOptions.map((o) => (
            <option key={o.versionId} value={o.versionId}>
              {o.shotCode} v{o.number}
            </option>
          ))}
        </select>
        <button
          type="button"
          disabled={!pick}
          onClick={() => {
            if (!assets.some((a) => a.kind === "version" && a.versionId === pick))
              onChange([...assets, { kind: "version", versionId: pick }]);
            setPick("");
          }}
        >
          Add version
        </button>
      </div>
      <div className="row">
        <input
          aria-label="Reference description"
          placeholder="Outside reference (e.g. plate, mood board)"
          value={label}
          onChange={(e) => setLabel(e.target.value)}
        />
        <input
          aria-label="Reference URL"
          placeholder="https://… (optional)"
          value={url}
          onChange={(e) => setUrl(e.target.value)}
        />
        <button
          type="button"
          disabled={!label.trim()}
          onClick={() => {
            onChange([
              ...assets,
              { kind: "reference", label: label.trim(), ...(url.trim() ? { url: url.trim() } : {}) },
            ]);
            setLabel("");
            setUrl("");
          }}
        >
          Add reference
        </button>
      </div>
    </>
  );
}

function Likenesses({
  view,
  editable,
  talentIds,
  onChange,
}: {
  view: View;
  editable: boolean;
  talentIds: string[];
  onChange: (ids: string[]) => void;
}) {
  const covered = new Map(view.likenesses.map((l) => [l.talentId, l.covered]));
  return (
    <div className="likenesses">
      <span className="small muted">Likenesses used</span>
      {!editable && talentIds.length === 0 ? (
        <p className="muted small">None recorded.</p>
      ) : view.talentOptions.length === 0 ? (
        <p className="muted small">The show's talent registry is empty (producers keep it).</p>
      ) : (
        <ul>
          {view.talentOptions
            .filter((t) => editable || talentIds.includes(t.id))
            .map((t) => (
              <li key={t.id}>
                <label className="check">
                  <input
                    type="checkbox"
                    checked={talentIds.includes(t.id)}
                    onChange={(e) =>
                      onChange(e.target.checked ? [...talentIds, t.id] : talentIds.filter((x) => x !== t.id))
                    }
                  />{" "}
                  {t.name}
                  {t.guild !== "none" ? <span className="muted small"> · {t.guild}</span> : null}
                  {covered.has(t.id) ? (
                    covered.get(t.id) ? (
                      <span className="ok small"> · consent active</span>
                    ) : (
                      <span className="bad small"> · no active consent</span>
                    )
                  ) : null}
                </label>
              </li>
            ))}
        </ul>
      )}
    </div>
  );
}

function Lineage({ show, view }: { show: ShowInfo; view: View }) {
  if (view.lineage.length === 0 && view.usedBy.length === 0) return null;
  const name = (v: { shotCode: string; number: number }) => `${v.shotCode} v${v.number}`;
  return (
    <section className="lineage" aria-label="Lineage">
      <span className="small muted">Lineage</span>
      {view.lineage.length > 0 ? (
        <ol className="chain">
          <li>
            <strong>
              {view.shotCode} v{view.number}
            </strong>{" "}
            <span className="muted small">(this version)</span>
          </li>
          {view.lineage.map((step) => (
            <li key={`${step.versionId}-${step.inputOf}`} style={{ marginLeft: `${step.depth}em` }}>
              ← <Link href={`/shows/${show.slug}/versions/${step.versionId}`}>{name(step)}</Link>{" "}
              <span className="muted small">{step.status.replace("_", " ")}</span>
            </li>
          ))}
        </ol>
      ) : null}
      {view.usedBy.length > 0 ? (
        <p className="small">
          Used as input by{" "}
          {view.usedBy.map((u, i) => (
            <span key={u.versionId}>
              {i > 0 ? ", " : ""}
              <Link href={`/shows/${show.slug}/versions/${u.versionId}`}>{name(u)}</Link>
            </span>
          ))}
        </p>
      ) : null}
    </section>
  );
}

const FILE_FIELDS: { key: DraftKey; label: string }[] = [
  { key: "sourceType", label: "Digital source type" },
  { key: "model", label: "Model" },
  { key: "modelVersion", label: "Model version / hash" },
  { key: "provider", label: "Provider" },
  { key: "seed", label: "Seed" },
  { key: "prompt", label: "Prompt" },
  { key: "negativePrompt", label: "Negative prompt" },
  { key: "parameters", label: "Parameters" },
];

function ReadFromFile({
  embedded,
  editable,
  onUse,
}: {
  embedded: EmbeddedProvenance;
  editable: boolean;
  onUse: (key: DraftKey) => void;
}) {
  const fields = FILE_FIELDS.filter((f) => embeddedValue(embedded, f.key));
  const c2pa = embedded.c2pa;
  return (
    <section className="read-from-file" aria-label="Read from file">
      <h4>Read from file</h4>
      {fields.length === 0 && !c2pa && !embedded.generator ? (
        <p className="muted small">
          The files carry no generator metadata, XMP source type or C2PA manifest.
        </p>
      ) : null}
      {embedded.generator?.tool || embedded.source ? (
        <p className="small muted">
          {embedded.generator?.tool ? `Written by ${embedded.generator.tool}` : ""}
          {embedded.source ? ` · from ${embedded.sources?.join(", ") ?? embedded.source}` : ""}
        </p>
      ) : null}
      <dl>
        {fields.map((f) => (
          <div key={f.key} className="file-field">
            <dt>{f.label}</dt>
            <dd>
              <span className={f.key === "parameters" ? "mono small" : undefined}>
                {f.key === "parameters"
                  ? Object.entries(embedded.parameters ?? {})
                      .map(([k, v]) => `${k}: ${v}`)
                      .join(", ")
                  : embeddedValue(embedded, f.key)}
              </span>
              {editable ? (
                <button
                  type="button"
                  className="use"
                  aria-label={`Use ${f.label.toLowerCase()} from file`}
                  onClick={() => onUse(f.key)}
                >
                  Use
                </button>
              ) : null}
            </dd>
          </div>
        ))}
      </dl>
      {embedded.xmp && Object.keys(embedded.xmp).length > 0 ? (
        <p className="small" data-testid="file-xmp">
          XMP:{" "}
          {Object.entries(embedded.xmp)
            .map(([k, v]) => `${k} ${v.length > 120 ? `${v.slice(0, 119)}…` : v}`)
            .join(" · ")}
        </p>
      ) : null}
      {c2pa?.present ? (
        <p className="small">
          C2PA manifest found ({c2pa.container ?? "embedded"}):{" "}
          {c2pa.readable
            ? `claim generator ${c2pa.claimGenerator ?? "unknown"}${c2pa.actions?.length ? `; actions ${c2pa.actions.join(", ")}` : ""}. Signature not verified.`
            : "present but its claim could not be read here."}
        </p>
      ) : null}
      {embedded.errors?.length ? <p className="muted small">Note: {embedded.errors.join(" ")}</p> : null}
    </section>
  );
}
