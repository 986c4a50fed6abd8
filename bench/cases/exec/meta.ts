/** The exec benchmark's entry for the harness (shape of bench/lib/benchmarks.ts's BenchSpec). */
export const spec = {
  measures: "running a short command to its end with its output captured (the ntkd tasklet system's exec_command)",
  does: "run /bin/sh -c 'echo hi' n times, one after the other, capturing stdout",
  result: "number of runs whose stdout was hi and exit status 0 = n",
  n: 300,
  quick: 10,
};
