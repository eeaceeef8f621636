export {
  DLQ_ACTIONS,
  ITEM_ACTIONS,
  QUEUE_ACTIONS,
  ResultsApi,
  type ResultsApiProps,
  type ResultsApiQueue,
} from './results-api.js';
