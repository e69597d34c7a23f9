/**
 * `hrflow-connectors/testing`: loopback fakes of HrFlow and each vendor, the sandbox that runs them all,
 * sample profiles and files, and a virtual clock. The same fakes serve this project's tests, the demo and
 * your own tests.
 */
export {
  FakeHub,
  FakeServer,
  isReceivedFile,
  type FakeLane,
  type FakeLimitStats,
  type FakeLimits,
  type FakeRequest,
  type FakeResponse,
  type FaultSpec,
  type ReceivedFile,
  type RecordedRequest,
} from "./fake-server.js";
export { HrflowFake, type HrflowFakeOptions } from "./hrflow-fake.js";
export {
  BreezyhrFake,
  createBreezyhrSandbox,
  type BreezyhrFakeOptions,
  type FakeBreezyCandidate,
  type FakeBreezyCompany,
  type FakeBreezyPosition,
} from "./breezyhr-fake.js";
export {
  FlatchrFake,
  createFlatchrSandbox,
  type FakeFlatchrApplicant,
  type FakeFlatchrVacancy,
  type FlatchrFakeOptions,
} from "./flatchr-fake.js";
export {
  GreenhouseAuthFake,
  GreenhouseFake,
  createGreenhouseSandbox,
  type FakeGhApplication,
  type FakeGhAttachment,
  type FakeGhCandidate,
  type FakeGhEmployment,
  type FakeGhUser,
  type GreenhouseAuthFakeOptions,
  type GreenhouseFakeOptions,
} from "./greenhouse-fake.js";
export {
  SR_ATTACHMENTS_DEPRECATION,
  SmartRecruitersFake,
  createSmartRecruitersSandbox,
  type FakeSrCandidate,
  type SmartRecruitersFakeOptions,
} from "./smartrecruiters-fake.js";
export {
  TaleezFake,
  createTaleezSandbox,
  type FakeTaleezCandidate,
  type FakeTaleezDocument,
  type TaleezFakeOptions,
} from "./taleez-fake.js";
export {
  startSandbox,
  type Sandbox,
  type SandboxCandidate,
  type SandboxOptions,
  type SandboxVendor,
  type SandboxVendorOptions,
} from "./sandbox.js";
export {
  SAMPLE_SOURCE_KEY,
  hrflowKey,
  sampleProfiles,
  worstCaseProfile,
  type SampleCv,
  type SampleProfile,
} from "./profiles.js";
export { generateProfiles, type GenerateProfilesOptions } from "./generated.js";
export { sampleDoc, sampleExecutable, samplePdf, samplePng } from "./files.js";
export { createVirtualClock, type VirtualClock } from "./clock.js";
export {
  profileEvent,
  sendHrflowWebhook,
  signHrflowWebhook,
  type SignedWebhook,
  type WebhookSignatureVariant,
} from "./webhooks.js";
