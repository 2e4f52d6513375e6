/**
 * The pinned-image rule, once: app images (`images.*`) and the in-cluster stores' images
 * (`data.inCluster.*Image`) both read it. Its own module so schema.ts and data.ts share it without
 * importing each other.
 */
import { z } from "zod";

/** An image reference pinned by tag or digest; `latest` and untagged images are refused. */
export const pinnedImage = z
    .string()
    .regex(/^[a-z0-9]([a-z0-9._\-/:]*[a-z0-9])?(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/, {
        message: "must be an image reference",
    })
    .refine((ref) => isPinnedImage(ref), { message: "must be pinned by a tag other than latest, or by digest" });

export function isPinnedImage(ref: string): boolean {
    if (/@sha256:[a-f0-9]{64}$/.test(ref)) return true;
    const lastSegment = ref.slice(ref.lastIndexOf("/") + 1);
    const colon = lastSegment.lastIndexOf(":");
    if (colon < 0) return false;
    return lastSegment.slice(colon + 1) !== "latest";
}
