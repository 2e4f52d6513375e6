import type { PolicyConfigSchema, ResourceValidationPolicy } from "@pulumi/policy";
import { readConfig, stringList } from "../lib/config";
import { containersOf, describeContainer, parseImage, podTemplateOf } from "../lib/kubernetes";
import { validateTypes } from "../lib/policy";
import { workloadTypes } from "../lib/types";
import { isUnknown, str, unknownMessage } from "../lib/unknowns";

const configSchema: PolicyConfigSchema = {
    properties: {
        mutableTags: stringList("Tags that move and so do not pin an image.", ["latest"]),
    },
};

interface Config {
    mutableTags: string[];
}

/** Images are pinned by an immutable tag or a digest. */
export const pinnedImages: ResourceValidationPolicy = {
    name: "pinned-images",
    description:
        "The Production Readiness guide (§2) rolls back by redeploying the prior backend build and the DevOps guide (§4) " +
        "ships tagged releases for rollback, so every container image must be pinned by a version tag or an @sha256 " +
        "digest, never untagged or :latest, which would run unreviewed code and make rollbacks impossible.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema,
    validateResource: validateTypes(workloadTypes, (r, args, report) => {
        const { mutableTags } = readConfig<Config>(args, configSchema);
        const t = podTemplateOf(r.type, r.props);
        if (!t) return;
        const fix = "pin it with a release tag (e.g. :1.4.2) or a digest (@sha256:...)";
        const { containers, unknown } = containersOf(t.podSpec);
        for (const path of unknown) report(unknownMessage(`The pod spec's ${path}`, "declare containers and their images as plain values"));
        for (const c of containers) {
            const who = `${t.kind} ${describeContainer(c)}`;
            const image = str(c.spec.image);
            if (isUnknown(image)) {
                report(unknownMessage(`The image of ${who}`, `${fix}, from config rather than a build output`));
                continue;
            }
            if (image === undefined || image.trim() === "") {
                report(`${who} has no image; set an image and ${fix}.`);
                continue;
            }
            const ref = parseImage(image);
            if (ref.digest !== undefined) {
                if (!/^sha256:[a-f0-9]{64}$/.test(ref.digest)) report(`${who} uses image ${image} with a malformed digest; ${fix}.`);
            } else if (ref.tag === undefined) {
                report(`${who} uses untagged image ${image} (implicitly :latest); ${fix}.`);
            } else if (mutableTags.includes(ref.tag)) {
                report(`${who} uses image ${image}, whose :${ref.tag} tag moves; ${fix}.`);
            }
        }
    }),
};
