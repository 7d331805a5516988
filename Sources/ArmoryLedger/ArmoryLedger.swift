public enum ArmoryLedger {}
