import { splitSuite } from './stream-suite.ts';

splitSuite('mp3');
