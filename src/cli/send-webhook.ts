import type { Command } from "commander";
import { z } from "zod";
import { ConfigError } from "../index.js";
import { profileEvent, sendHrflowWebhook, type WebhookSignatureVariant } from "../testing/webhooks.js";
import { interpolate, readConfigDocument, type Env } from "./config.js";
import { ExitCode, type ExitCodeValue } from "./exit-codes.js";
import { reportError, type CliIo } from "./output.js";
import { outputFor } from "./push-profile.js";

const VARIANTS = [
  "hex-hmac-of-decoded-payload",
  "raw-hmac-of-encoded-payload",
  "hex-hmac-of-raw-body",
] as const;

const FlagsSchema = z.object({
  config: z.string().optional(),
  url: z.string().optional(),
  sourceKey: z.string().optional(),
  profileKey: z.array(z.string().min(1)).min(1, { error: "give at least one --profile-key" }),
  event: z.string().min(1).default("profile.storing.success"),
  variant: z.enum(VARIANTS).default("hex-hmac-of-decoded-payload"),
});

/** What `send-webhook` reads from a `serve` configuration: where it listens, its secret, its first source. */
const ServiceFileSchema = z.object({
  listen: z.object({ host: z.string().optional(), port: z.number().optional() }).optional(),
  webhook: z.object({ secret: z.string().optional() }).optional(),
  routes: z.array(z.object({ sources: z.array(z.string()).optional() })).optional(),
});

/**
 * `send-webhook`: sends signed HrFlow profile events to a running service, as HrFlow would (the sandbox's
 * way to try `serve`). The secret comes from the service configuration or `HRFLOW_WEBHOOK_SECRET`, never
 * from a flag.
 */
export async function sendWebhookCommand(command: Command, io: CliIo): Promise<ExitCodeValue> {
  const out = outputFor(command, io);
  try {
    const parsed = FlagsSchema.safeParse(command.optsWithGlobals());
    if (!parsed.success)
      throw new ConfigError(
        parsed.error.issues.map((i) => ({ path: `--${String(i.path[0] ?? "")}`, message: i.message })),
        { summary: "Invalid send-webhook options" },
      );
    const flags = parsed.data;
    let file: z.output<typeof ServiceFileSchema> = {};
    if (flags.config !== undefined) {
      const { document } = await readConfigDocument(flags.config, io.cwd, "--config");
      const read = ServiceFileSchema.safeParse(document);
      if (read.success) file = read.data;
    }
    const issues: { path: string; message: string }[] = [];
    const env: Env = io.env;
    const rawSecret = file.webhook?.secret ?? env["HRFLOW_WEBHOOK_SECRET"];
    const secret =
      rawSecret === undefined ? undefined : interpolate(rawSecret, env, "webhook.secret", issues);
    const host = file.listen?.host ?? "127.0.0.1";
    const url =
      flags.url ??
      `http://${host.includes(":") ? `[${host}]` : host}:${file.listen?.port ?? 8080}/webhooks/hrflow`;
    const sourceKey = flags.sourceKey ?? file.routes?.[0]?.sources?.[0];
    if (!secret)
      issues.push({ path: "HRFLOW_WEBHOOK_SECRET", message: "is not set (nor webhook.secret in --config)" });
    if (!sourceKey)
      issues.push({ path: "--source-key", message: "is required (or a route with sources in --config)" });
    if (issues.length > 0 || !secret || !sourceKey)
      throw new ConfigError(issues, { summary: "Cannot send the webhook" });
    const events = flags.profileKey.map((key) => profileEvent(sourceKey, { key }, flags.event));
    const variant: WebhookSignatureVariant = flags.variant;
    const answer = await sendHrflowWebhook(url, events.length === 1 ? events[0] : events, secret, variant);
    out.json(answer);
    out.print(`${url} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer.status === 202 ? ExitCode.ok : ExitCode.remoteFailure;
  } catch (error) {
    return reportError(out, error, (p) => p);
  }
}
