import type { ResourceValidationPolicy } from "@pulumi/policy";
import { validateTypes } from "../lib/policy";
import { awsTypes } from "../lib/types";
import { arr, isUnknown, unknownMessage } from "../lib/unknowns";

/** Every CloudWatch alarm notifies something when it fires. */
export const alarmsRouteSomewhere: ResourceValidationPolicy = {
    name: "alarms-route-somewhere",
    description:
        "The Production Readiness guide (§3, §4 Incident response) pages on-call for every alert signal, and an alarm " +
        "without actions changes state silently, so every CloudWatch alarm must have at least one alarmActions entry " +
        "(the stack's alert route).",
    enforcementLevel: "mandatory",
    severity: "medium",
    validateResource: validateTypes([awsTypes.metricAlarm], (r, _args, report) => {
        const fix = "set alarmActions to the alert route's topic ARN";
        const actions = arr(r.props.alarmActions);
        if (isUnknown(actions)) {
            report(unknownMessage("alarmActions", fix));
        } else if (actions === undefined || actions.length === 0) {
            report(`The alarm has no alarmActions, so it fires silently; ${fix}.`);
        } else if (r.props.actionsEnabled === false) {
            report(`The alarm's actions are disabled (actionsEnabled: false); remove it or ${fix} with actions enabled.`);
        }
    }),
};
