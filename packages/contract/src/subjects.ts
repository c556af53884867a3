import { sourceNameProblem } from './names.ts';

/** Every subject ISR uses. Build subjects with the functions below; never spell them by hand. */
export const SubjectRoots = {
  audio: 'isr.audio',
  segmentOpened: 'isr.segment.opened',
  segmentClosed: 'isr.segment.closed',
  segmentDeleted: 'isr.segment.deleted',
  analysisDone: 'isr.analysis.done',
  metadata: 'isr.metadata',
  level: 'isr.level',
  analyze: 'isr.analyze',
  analyzeForget: 'isr.analyze.forget',
} as const;

function withSource(root: string, source: string): string {
  const problem = sourceNameProblem(source);
  if (problem) throw new Error(`source name "${source}" ${problem}`);
  return `${root}.${source}`;
}

export const Subjects = {
  /** JetStream ISR_AUDIO: one message per audio chunk. */
  audio: (source: string) => withSource(SubjectRoots.audio, source),
  audioAll: `${SubjectRoots.audio}.*`,
  /** JetStream ISR_EVENTS: JSON SegmentEvent when a file is opened. */
  segmentOpened: (source: string) => withSource(SubjectRoots.segmentOpened, source),
  segmentOpenedAll: `${SubjectRoots.segmentOpened}.*`,
  /** JetStream ISR_EVENTS: JSON SegmentClosedEvent when a file is finished. */
  segmentClosed: (source: string) => withSource(SubjectRoots.segmentClosed, source),
  segmentClosedAll: `${SubjectRoots.segmentClosed}.*`,
  /** JetStream ISR_EVENTS: JSON SegmentDeletedEvent when retention or the disk guard deleted a file. */
  segmentDeleted: (source: string) => withSource(SubjectRoots.segmentDeleted, source),
  segmentDeletedAll: `${SubjectRoots.segmentDeleted}.*`,
  /** JetStream ISR_EVENTS: JSON AnalysisDoneEvent. */
  analysisDone: (source: string) => withSource(SubjectRoots.analysisDone, source),
  analysisDoneAll: `${SubjectRoots.analysisDone}.*`,
  /** JetStream ISR_EVENTS: JSON MetadataEvent (ICY StreamTitle changes). */
  metadata: (source: string) => withSource(SubjectRoots.metadata, source),
  metadataAll: `${SubjectRoots.metadata}.*`,
  /** Core NATS (not persisted): JSON LiveLevel, published by the analyzer several times a second. */
  level: (source: string) => withSource(SubjectRoots.level, source),
  levelAll: `${SubjectRoots.level}.*`,
  /** Core NATS request/reply: AnalyzeRequest → AnalyzeReply. */
  analyze: SubjectRoots.analyze,
  /** Core NATS request/reply: ForgetRequest → ForgetReply (the web asks the analyzer to drop a deleted recording's analysis). */
  analyzeForget: SubjectRoots.analyzeForget,
} as const;

/** The source token of a subject such as `isr.audio.<source>`, or null. */
export function sourceOfSubject(subject: string): string | null {
  const i = subject.lastIndexOf('.');
  if (i < 0) return null;
  return subject.slice(i + 1) || null;
}
