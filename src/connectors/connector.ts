import type { z } from "zod";
import type { VendorAuth } from "../core/auth/base.js";
import type { ConnectorDefinition } from "./definition.js";
import { runPushProfile, type CommonPushOptions, type WorkflowResponse } from "./pipeline.js";

/** The options of a connector's `pushProfile`: the common ones plus the vendor's own. */
export type PushProfileOptions<
  S extends z.ZodObject,
  A extends VendorAuth = VendorAuth,
> = CommonPushOptions<A> & z.input<S>;

/** A connector as users see it: `SmartRecruiters.pushProfile({...})`. */
export interface Connector<
  S extends z.ZodObject = z.ZodObject,
  P = unknown,
  A extends VendorAuth = VendorAuth,
> {
  /** The definition the pipeline, the CLI and the docs are built from. */
  readonly definition: ConnectorDefinition<z.output<S>, P>;
  /** Pulls a profile from HrFlow and pushes it to the vendor. See the connector's docs page. */
  readonly pushProfile: (options: PushProfileOptions<S, A>) => Promise<WorkflowResponse>;
}

/** Builds a connector from its definition (types the options from the vendor schema). */
export function defineConnector<S extends z.ZodObject, P, A extends VendorAuth = VendorAuth>(
  definition: ConnectorDefinition<z.output<S>, P> & { optionsSchema: S },
): Connector<S, P, A> {
  return Object.freeze({
    definition,
    pushProfile: (options: PushProfileOptions<S, A>) => runPushProfile(definition, options),
  });
}
