import { runStorageContract } from '../contract/storage.contract.js';
import { localStorageUnderTest } from '../support/storage-local.js';

runStorageContract('local', localStorageUnderTest);
