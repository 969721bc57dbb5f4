import { checkSharedWarden } from './checks.js';

checkSharedWarden('second');
