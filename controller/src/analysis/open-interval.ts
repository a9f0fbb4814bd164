/**
 * The matcher's open interval, shared by its parts: the statistics records go to now (a new
 * window each interval report) and the controller time of the latest ingest or tick.
 */
import { StatsWindow } from './stats-window.js';

export class OpenInterval {
  window = new StatsWindow();
  nowMs = 0;
}
