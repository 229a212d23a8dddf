import { cap, MAX_PARAMETERS, MAX_PROMPT, text } from "~/server/services/ingest/embedded-metadata/limits";

// What generation tools write into PNG text chunks (and Automatic1111 into EXIF UserComment).

function parseJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export type Generated = {
  source: string;
  tool: string;
  prompt?: string;
  negativePrompt?: string;
  seed?: string;
  model?: string;
  modelVersion?: string;
  provider?: string;
  parameters: Record<string, string>;
};

function putParameter(params: Record<string, string>, key: string, value: unknown) {
  if (Object.keys(params).length >= MAX_PARAMETERS) return;
  const v = text(value);
  if (v !== undefined) params[cap(key, 80)] = v;
}

/** Automatic1111 / Forge: prompt, optional "Negative prompt:" lines, then "Steps: …, Seed: …". */
export function parseA1111(raw: string): Generated | null {
  const lines = raw.replace(/\r\n?/g, "\n").split("\n");
  let paramsAt = -1;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (/^\s*Steps:\s*\d/.test(lines[i]!)) {
      paramsAt = i;
      break;
    }
  }
  const body = paramsAt >= 0 ? lines.slice(0, paramsAt) : lines;
  const negAt = body.findIndex((l) => l.startsWith("Negative prompt:"));
  const prompt = (negAt >= 0 ? body.slice(0, negAt) : body).join("\n").trim();
  const negative =
    negAt >= 0
      ? body
          .slice(negAt)
          .join("\n")
          .replace(/^Negative prompt:\s*/, "")
          .trim()
      : undefined;
  const parameters: Record<string, string> = {};
  const paramLine = paramsAt >= 0 ? lines.slice(paramsAt).join(", ") : "";
  const re = /\s*([\w ./+-]+?):\s*("(?:\\.|[^\\"])*"|[^,]*)(?:,|$)/g;
  for (let m = re.exec(paramLine); m && m[0] !== ""; m = re.exec(paramLine)) {
    const key = m[1]!.trim();
    let value = m[2]!.trim();
    if (value.startsWith('"') && value.endsWith('"')) value = (parseJson(value) as string) ?? value;
    putParameter(parameters, key, value);
  }
  if (paramsAt < 0 && !prompt) return null;
  const version = parameters.Version;
  const { Seed: seed, Model: model, "Model hash": modelHash, ...rest } = parameters;
  return {
    source: "png:parameters",
    tool: version?.startsWith("f") ? "Forge" : "Automatic1111 / Forge",
    prompt: text(prompt, MAX_PROMPT),
    negativePrompt: text(negative, MAX_PROMPT),
    seed,
    model,
    modelVersion: modelHash,
    // Seed, model and its hash have fields of their own.
    parameters: rest,
  };
}

type ComfyNode = { class_type?: unknown; inputs?: Record<string, unknown> };

/** ComfyUI's API graph (`prompt`): sampler seed/settings, the checkpoint, the prompt texts it links. */
export function parseComfyPrompt(graph: unknown, workflow: unknown): Generated | null {
  const nodes: Record<string, ComfyNode> = isRecord(graph) ? (graph as Record<string, ComfyNode>) : {};
  const parameters: Record<string, string> = {};
  const entries = Object.entries(nodes).filter(([, n]) => isRecord(n) && isRecord(n.inputs));
  const node = (ref: unknown): ComfyNode | undefined =>
    Array.isArray(ref) && (typeof ref[0] === "string" || typeof ref[0] === "number")
      ? nodes[String(ref[0])]
      : undefined;
  const resolve = (value: unknown, keys: string[], depth = 0): unknown => {
    if (!Array.isArray(value)) return value;
    const target = node(value);
    if (!target?.inputs || depth > 8) return undefined;
    for (const key of keys) {
      if (key in target.inputs) return resolve(target.inputs[key], keys, depth + 1);
    }
    return undefined;
  };
  const promptText = (ref: unknown, depth = 0): string | undefined => {
    const target = node(ref);
    if (!target?.inputs || depth > 8) return undefined;
    for (const key of ["text", "text_g", "prompt", "positive", "conditioning", "conditioning_1"]) {
      const v = target.inputs[key];
      if (typeof v === "string") return v;
      if (Array.isArray(v)) {
        const inner = promptText(v, depth + 1);
        if (inner) return inner;
      }
    }
    return undefined;
  };
  const sampler = entries.find(([, n]) => /sampler/i.test(String(n.class_type)))?.[1];
  const model = entries
    .map(([, n]) => n.inputs!.ckpt_name ?? n.inputs!.unet_name ?? n.inputs!.model_name)
    .find((v) => typeof v === "string") as string | undefined;
  let prompt: string | undefined;
  let negative: string | undefined;
  let seed: string | undefined;
  if (sampler?.inputs) {
    const inputs = sampler.inputs;
    seed = text(resolve(inputs.seed ?? inputs.noise_seed, ["seed", "noise_seed", "value", "int"]));
    prompt = promptText(inputs.positive);
    negative = promptText(inputs.negative);
    for (const key of ["steps", "cfg", "sampler_name", "scheduler", "denoise"]) {
      putParameter(parameters, key, resolve(inputs[key], [key, "value"]));
    }
    putParameter(parameters, "sampler", sampler.class_type);
  }
  if (!prompt) {
    const encoders = entries.filter(([, n]) => /CLIPTextEncode/i.test(String(n.class_type)));
    prompt = encoders.map(([, n]) => n.inputs!.text).find((t) => typeof t === "string") as string | undefined;
  }
  const workflowModel =
    !model && isRecord(workflow) && Array.isArray(workflow.nodes)
      ? (workflow.nodes as unknown[])
          .filter(isRecord)
          .filter((n) => /Checkpoint|UNETLoader/i.test(String(n.type)))
          .map((n) => (Array.isArray(n.widgets_values) ? n.widgets_values[0] : undefined))
          .find((v) => typeof v === "string")
      : undefined;
  const chosenModel = text(model ?? workflowModel);
  if (!sampler && !chosenModel && !prompt) return null;
  putParameter(parameters, "nodes", entries.length || undefined);
  return {
    source: "png:comfyui",
    tool: "ComfyUI",
    prompt: text(prompt, MAX_PROMPT),
    negativePrompt: text(negative, MAX_PROMPT),
    seed,
    model: chosenModel,
    parameters,
  };
}

/** InvokeAI's `invokeai_metadata` JSON. */
export function parseInvoke(meta: unknown): Generated | null {
  if (!isRecord(meta)) return null;
  const model = isRecord(meta.model) ? meta.model : {};
  const parameters: Record<string, string> = {};
  for (const key of [
    "generation_mode",
    "steps",
    "cfg_scale",
    "scheduler",
    "width",
    "height",
    "app_version",
    "seamless_x",
    "seamless_y",
  ]) {
    putParameter(parameters, key, meta[key]);
  }
  putParameter(parameters, "base_model", model.base ?? model.base_model);
  return {
    source: "png:invokeai",
    tool: "InvokeAI",
    prompt: text(meta.positive_prompt, MAX_PROMPT),
    negativePrompt: text(meta.negative_prompt, MAX_PROMPT),
    seed: text(meta.seed),
    model: text(model.name ?? model.model_name ?? (typeof meta.model === "string" ? meta.model : undefined)),
    modelVersion: text(model.hash),
    parameters,
  };
}

/** NovelAI: `Comment` JSON with prompt, `uc` (negative), seed…; `Source` names the model. */
export function parseNovelAi(comment: unknown, texts: Map<string, string>): Generated | null {
  if (!isRecord(comment)) return null;
  const parameters: Record<string, string> = {};
  for (const key of ["steps", "scale", "sampler", "width", "height", "strength", "noise", "cfg_rescale"]) {
    putParameter(parameters, key, comment[key]);
  }
  return {
    source: "png:novelai",
    tool: "NovelAI",
    prompt: text(comment.prompt ?? texts.get("Description"), MAX_PROMPT),
    negativePrompt: text(comment.uc, MAX_PROMPT),
    seed: text(comment.seed),
    model: text(texts.get("Source")),
    provider: "NovelAI",
    parameters,
  };
}

export function interpretGenerator(texts: Map<string, string>): Generated | null {
  const parameters = texts.get("parameters");
  if (parameters) {
    const a1111 = parseA1111(parameters);
    if (a1111) return a1111;
  }
  const invoke = texts.get("invokeai_metadata");
  if (invoke) {
    const parsed = parseInvoke(parseJson(invoke));
    if (parsed) return parsed;
  }
  const comfyPrompt = texts.get("prompt");
  const comfyWorkflow = texts.get("workflow");
  if (comfyPrompt || comfyWorkflow) {
    const parsed = parseComfyPrompt(
      comfyPrompt ? parseJson(comfyPrompt) : undefined,
      comfyWorkflow ? parseJson(comfyWorkflow) : undefined,
    );
    if (parsed) return parsed;
  }
  const comment = texts.get("Comment");
  if (comment && (texts.get("Software") ?? "").toLowerCase().includes("novelai")) {
    const parsed = parseNovelAi(parseJson(comment), texts);
    if (parsed) return parsed;
  }
  const exifComment = texts.get("UserComment");
  if (exifComment && /\bSteps:\s*\d/.test(exifComment)) {
    const parsed = parseA1111(exifComment);
    if (parsed) return { ...parsed, source: "exif:UserComment" };
  }
  return null;
}
