// cluster-cpu on 1 node process(es) of one worker each.
import { report, size } from "../../lib/report.js";
import { cpuOnNodes } from "./_run.js";

await cpuOnNodes(1, size(400), report);
