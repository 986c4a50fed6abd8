/**
 * JobBook: the jobs a process spawned, for `cluster.jobs()` and for routing
 * node messages to handles. Live jobs stay until done; the last KEEP done
 * ones are remembered (oldest forgotten first).
 */

import type { ClusterJob, JobInfo } from "./job.js";

const KEEP = 1000;

export class JobBook {
  private readonly live = new Map<string, ClusterJob<unknown>>();
  private readonly ended: JobInfo[] = [];

  add(job: ClusterJob<unknown>): void {
    this.live.set(job.id, job);
  }

  get(id: string): ClusterJob<unknown> | undefined {
    return this.live.get(id);
  }

  done(job: ClusterJob<unknown>): void {
    if (!this.live.delete(job.id)) return;
    this.ended.push(job.info());
    if (this.ended.length > KEEP) this.ended.splice(0, this.ended.length - KEEP);
  }

  liveJobs(): IterableIterator<ClusterJob<unknown>> {
    return this.live.values();
  }

  list(): JobInfo[] {
    return [...this.ended, ...[...this.live.values()].map((j) => j.info())];
  }
}
