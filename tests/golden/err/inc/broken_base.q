# a base file with a misspelled key
quantsim {
  scheme tf_enhanced;
  roundng nearest;
}
