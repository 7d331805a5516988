import HummingbirdTesting
import Testing
@testable import ArmoryAPI
@testable import ArmoryHub
@testable import ArmoryPages
