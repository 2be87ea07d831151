// litesvm's Rust error objects serialise to `{}`; a cluster answers with serde-shaped JSON
// ("BlockhashNotFound", { InstructionError: [2, { Custom: 1 }] }). This file translates.

const TRANSACTION_ERRORS = [
  'AccountInUse', 'AccountLoadedTwice', 'AccountNotFound', 'ProgramAccountNotFound', 'InsufficientFundsForFee',
  'InvalidAccountForFee', 'AlreadyProcessed', 'BlockhashNotFound', 'CallChainTooDeep', 'MissingSignatureForFee',
  'InvalidAccountIndex', 'SignatureFailure', 'InvalidProgramForExecution', 'SanitizeFailure', 'ClusterMaintenance',
  'AccountBorrowOutstanding', 'WouldExceedMaxBlockCostLimit', 'UnsupportedVersion', 'InvalidWritableAccount',
  'WouldExceedMaxAccountCostLimit', 'WouldExceedAccountDataBlockLimit', 'TooManyAccountLocks',
  'AddressLookupTableNotFound', 'InvalidAddressLookupTableOwner', 'InvalidAddressLookupTableData',
  'InvalidAddressLookupTableIndex', 'InvalidRentPayingAccount', 'WouldExceedMaxVoteCostLimit',
  'WouldExceedAccountDataTotalLimit', 'MaxLoadedAccountsDataSizeExceeded', 'ResanitizationNeeded',
  'InvalidLoadedAccountsDataSizeLimit', 'UnbalancedTransaction', 'ProgramCacheHitMaxLimit', 'CommitCancelled',
]

const INSTRUCTION_ERRORS = (
  'GenericError,InvalidArgument,InvalidInstructionData,InvalidAccountData,AccountDataTooSmall,InsufficientFunds,' +
  'IncorrectProgramId,MissingRequiredSignature,AccountAlreadyInitialized,UninitializedAccount,UnbalancedInstruction,' +
  'ModifiedProgramId,ExternalAccountLamportSpend,ExternalAccountDataModified,ReadonlyLamportChange,ReadonlyDataModified,' +
  'DuplicateAccountIndex,ExecutableModified,RentEpochModified,NotEnoughAccountKeys,AccountDataSizeChanged,' +
  'AccountNotExecutable,AccountBorrowFailed,AccountBorrowOutstanding,DuplicateAccountOutOfSync,InvalidError,' +
  'ExecutableDataModified,ExecutableLamportChange,ExecutableAccountNotRentExempt,UnsupportedProgramId,CallDepth,' +
  'MissingAccount,ReentrancyNotAllowed,MaxSeedLengthExceeded,InvalidSeeds,InvalidRealloc,ComputationalBudgetExceeded,' +
  'PrivilegeEscalation,ProgramEnvironmentSetupFailure,ProgramFailedToComplete,ProgramFailedToCompile,Immutable,' +
  'IncorrectAuthority,AccountNotRentExempt,InvalidAccountOwner,ArithmeticOverflow,UnsupportedSysvar,IllegalOwner,' +
  'MaxAccountsDataAllocationsExceeded,MaxAccountsExceeded,MaxInstructionTraceLengthExceeded,' +
  'BuiltinProgramsMustConsumeComputeUnits,BorshIoError'
).split(',')

export type RpcTransactionError = string | Record<string, unknown>

function instructionError(inner: unknown): unknown {
  if (typeof inner === 'number') return INSTRUCTION_ERRORS[inner] ?? `InstructionError${inner}`
  if (inner && typeof inner === 'object') {
    if ('code' in inner) return { Custom: Number((inner as { code: number }).code) }
    if ('msg' in inner) return { BorshIoError: String((inner as { msg: string }).msg) }
  }
  return String(inner)
}

/** A litesvm transaction error as a cluster's JSON `err`. */
export function rpcError(err: unknown): RpcTransactionError {
  if (typeof err === 'number') return TRANSACTION_ERRORS[err] ?? `TransactionError${err}`
  if (err && typeof err === 'object') {
    const e = err as Record<string, unknown> & { err?: () => unknown }
    if (typeof e.err === 'function' && 'index' in e) return { InstructionError: [Number(e.index), instructionError(e.err())] }
    if ('index' in e) return { DuplicateInstruction: Number(e.index) }
    if ('accountIndex' in e) {
      const name = String(err).includes('Restricted') ? 'ProgramExecutionTemporarilyRestricted' : 'InsufficientFundsForRent'
      return { [name]: { account_index: Number(e.accountIndex) } }
    }
  }
  return String(err)
}

/** The name a cluster error is known by, for the few branches the stand-in takes on it. */
export function errorName(err: RpcTransactionError): string {
  return typeof err === 'string' ? err : (Object.keys(err)[0] ?? 'Unknown')
}

/** A JSON-RPC error answer (code, message, data), thrown by method handlers. */
export class RpcFailure extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message)
  }
}
