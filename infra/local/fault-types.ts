/** The services a fault proxy (`startFaultProxy`) can stand in front of. */
export type FaultTarget = 'sqs' | 'dynamodb' | 'scheduler';

/** The faults a fault proxy (`startFaultProxy`) injects. */
export type FaultKind = 'throttle' | 'serverError' | 'refuse' | 'drop';
