// Kafka error codes of the group APIs (https://kafka.apache.org/protocol#protocol_error_codes),
// and the codes for the classic protocol's error names the group object answers with
// (src/core/groups/classic-types.ts). Codes the framework's table (../error-codes.ts) has are
// taken from it; the group-only ones are added here.
import type { ClassicError } from "../../core/groups/classic-types.ts";
import { KafkaError } from "../error-codes.ts";

export const GroupError = {
  ...KafkaError,
  OFFSET_METADATA_TOO_LARGE: 12,
  COORDINATOR_LOAD_IN_PROGRESS: 14,
  MEMBER_ID_REQUIRED: 79,
  GROUP_MAX_SIZE_REACHED: 81,
  FENCED_INSTANCE_ID: 82,
  GROUP_SUBSCRIBED_TO_TOPIC: 86,
  UNRELEASED_INSTANCE_ID: 111,
  STALE_MEMBER_EPOCH: 113,
  UNSUPPORTED_ASSIGNOR: 112,
} as const;

export function codeOf(error: ClassicError | null): number {
  return error === null ? GroupError.NONE : GroupError[error];
}
