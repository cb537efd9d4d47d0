namespace Workflow.Format;

/// <summary>The ErrorIds of workflow.yml diagnostics; stable, so scripts and tests can match on them.</summary>
public static class WorkflowErrorIds
{
    public const string FileNotFound = "WorkflowFileNotFound";
    public const string FileNotReadable = "WorkflowFileNotReadable";
    public const string YamlMalformed = "WorkflowYamlMalformed";
    public const string RootNotMapping = "WorkflowRootNotMapping";
    public const string UnknownKey = "WorkflowUnknownKey";
    public const string MissingKey = "WorkflowMissingKey";
    public const string BadValue = "WorkflowBadValue";
    public const string BadName = "WorkflowBadName";
    public const string BadVersion = "WorkflowBadVersion";

    public const string StepBadName = "StepBadName";
    public const string StepDuplicate = "StepDuplicate";
    public const string StepUnknownNeed = "StepUnknownNeed";
    public const string StepCycle = "StepCycle";
    public const string StepNoAction = "StepNoAction";
    public const string StepSeveralActions = "StepSeveralActions";
    public const string StepScriptMissing = "StepScriptMissing";
    public const string StepScriptNotPowerShell = "StepScriptNotPowerShell";
    public const string StepScriptSyntaxError = "StepScriptSyntaxError";

    public const string BadDuration = "BadDuration";
    public const string BadRetry = "BadRetry";
    public const string BadMemory = "BadMemory";
    public const string BadRegion = "BadRegion";
    public const string RegionDisallowed = "RegionDisallowed";
    public const string BadConstraint = "BadConstraint";
    public const string BadSecretName = "BadSecretName";

    public const string BadExpression = ExpressionException.BadExpression;
    public const string ExpressionUnknownStep = "ExpressionUnknownStep";
    public const string ExpressionBadRoot = "ExpressionBadRoot";
}
