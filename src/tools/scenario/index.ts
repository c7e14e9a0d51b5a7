/**
 * Scenario files (docs/scenarios.md): load and validate one, print its JSON Schema, run it.
 */
export { ScenarioError, loadScenario, type LoadOptions, type ReadFile, type ScenarioOverrides } from "./load.js";
export type { BindFailure, ClientSummary, EventSummary, GceSummary, GceThreadSummary, MboxSummary, MediatekGcePart, MediatekProgramStats, NodeRef, WindowSummary } from "./mediatek-gce.js";
export { traceFormatOf, type BoardKind, type BuiltinBoardKind, type BoardPlan, type CmdqProgram, type KernelPlan, type Scenario, type TraceFormat, type TracePlan } from "./model.js";
export { SCENARIO, scenarioJsonSchema, type ScenarioDoc } from "./schema.js";
export { formatDuration, parseDurationWithUnit, type Diagnostic, type JsonSchema, type Pos } from "./schema-dsl.js";
export { ScenarioRun, runScenario, traceSink, type MediatekGceRunSummary, type Mt8173Part, type Mt8173RunSummary, type RunOptions, type RunStatus, type RunSummary, type X86Part, type X86RunSummary } from "./run.js";
