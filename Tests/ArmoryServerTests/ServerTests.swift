import HummingbirdTesting
import Testing
@testable import ArmoryServer
