import { checkSharedWarden } from './checks.js';

checkSharedWarden('first');
