// A vitest setupFile of every project: runs in each test file's module graph before its tests.
import { afterAll } from 'vitest';
import { removeTempDirs } from './temp.js';

// temp directories live as long as the test file that made them
afterAll(removeTempDirs);
