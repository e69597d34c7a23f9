import { Greenhouse, SmartRecruiters, Taleez, XSmartTokenAuth, type BatchTarget } from "../../src/index.js";

/** The connector objects users import are batch targets as they are (checked by the compiler). */
export const targets: BatchTarget[] = [
  { connector: SmartRecruiters, auth: new XSmartTokenAuth({ value: "x" }), options: { jobId: "j" } },
  { connector: Taleez.definition, auth: new XSmartTokenAuth({ value: "x" }) },
  { connector: Greenhouse, auth: new XSmartTokenAuth({ value: "x" }) },
];
