export { humanSize } from '../lib/human-size.ts';
