// The worker thread of a PrefetchedSource: opens the same data source (a generator run or an
// event file) and returns the events asked for. Reading or generating an event depends on its
// index alone, so an event made here is the one the main thread would have made.
import { workerData } from "node:worker_threads";
import type { LabelledEvent } from "../data/labelled-event.js";
import { openDataSource, type DataSource } from "./data-source.js";

export interface PrefetchWorkerData { spec: string }

// Opened at the first task, so that a source this thread cannot open fails that task (and the
// main thread makes the event itself) rather than the worker's start.
let source: DataSource | undefined;

export default function readEvent(index: number): LabelledEvent {
  source ??= openDataSource((workerData as PrefetchWorkerData).spec);
  return source.event(index);
}
