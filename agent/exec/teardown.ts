// Everything a step needs to hold something and have it released on the run's stack:
// retry, deferRelease, and one handle per kind of thing a run holds.

export {
  type HandleContext,
  isNoSuchPool,
  isNotMounted,
  loopHandle,
  lvmHandle,
  mdHandle,
  mountHandle,
  nbdHandle,
  TEARDOWN,
  zpoolHandle,
} from "./handles.ts";
export { deferRelease, type ReleaseContext, type ReleaseOptions } from "./release.ts";
export { type RetryOptions, retry } from "./retry.ts";
