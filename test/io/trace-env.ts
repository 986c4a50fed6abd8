/** Runs a test's body with TASKLET_TRACE set as it asks (the io layer reads it when a process starts). */

/** Runs `body` with TASKLET_TRACE set to `value` (or unset), then restores it. */
export async function withTrace<T>(value: string | undefined, body: () => Promise<T>): Promise<T> {
  const was = process.env["TASKLET_TRACE"];
  if (value === undefined) delete process.env["TASKLET_TRACE"];
  else process.env["TASKLET_TRACE"] = value;
  try {
    return await body();
  } finally {
    if (was === undefined) delete process.env["TASKLET_TRACE"];
    else process.env["TASKLET_TRACE"] = was;
  }
}
