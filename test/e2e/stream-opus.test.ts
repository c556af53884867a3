import { splitSuite } from './stream-suite.ts';

splitSuite('opus');
