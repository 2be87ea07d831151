import { memoryStore } from '../../src/index.js'
import { runStoreContract } from './store-contract.js'

runStoreContract('MemoryStore', () => memoryStore())
